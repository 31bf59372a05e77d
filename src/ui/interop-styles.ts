import { css } from 'lit'

/** Styles shared by the import, export and SMART Health Links panels. */
export const interopStyles = css`
  fieldset {
    border: 1px solid var(--border);
    border-radius: 8px;
    margin: 0.75rem 0;
    padding: 0.5rem 0.75rem;
  }
  legend {
    font-weight: 600;
  }
  .choice {
    display: flex;
    gap: 0.5rem;
    align-items: flex-start;
    margin: 0.4rem 0;
    font-weight: normal;
  }
  .choice input {
    width: auto;
    margin-top: 0.25rem;
    min-width: 1.25rem;
    min-height: 1.25rem;
  }
  select {
    font: inherit;
    padding: 0.4rem;
    border-radius: 8px;
    border: 1px solid var(--border);
  }
  progress {
    width: 100%;
    max-width: 30rem;
    height: 0.75rem;
  }
  ul.counts {
    margin: 0.25rem 0 0.75rem;
    padding-left: 1.25rem;
  }
  .result {
    border-left: 4px solid var(--accent);
    padding: 0.25rem 0 0.25rem 0.75rem;
    margin-top: 1rem;
  }
  small.detail {
    display: block;
    color: var(--text-muted);
    overflow-wrap: anywhere;
  }
`
