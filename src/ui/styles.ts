import { css } from 'lit'

/** Styles shared by every view: type scale, cards, buttons, focus rings. */
export const viewStyles = css`
  :host {
    display: block;
  }
  h1 {
    font-size: 1.5rem;
    line-height: 1.25;
    margin: 0 0 0.5rem;
  }
  h2 {
    font-size: 1.125rem;
    margin: 0 0 0.5rem;
  }
  p {
    margin: 0 0 0.75rem;
    color: var(--text-muted);
    max-width: 60ch;
  }
  .card {
    background: var(--surface);
    border: 1px solid var(--border);
    border-radius: 12px;
    padding: 1.25rem;
    margin-bottom: 1rem;
  }
  .empty {
    border-style: dashed;
  }
  a {
    color: var(--accent);
  }
  a:focus-visible,
  button:focus-visible,
  select:focus-visible {
    outline: 3px solid var(--focus);
    outline-offset: 2px;
  }
`
