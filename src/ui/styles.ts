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
    outline: 3px solid var(--focus-on-light);
    outline-offset: 2px;
  }
`

/** Buttons, fields and messages of forms. */
export const formStyles = css`
  button {
    font: inherit;
    padding: 0.6rem 1.1rem;
    border-radius: 8px;
    border: 1px solid var(--accent);
    background: var(--accent);
    color: #fff;
    cursor: pointer;
    min-height: 44px;
  }
  button.secondary {
    background: var(--surface);
    color: var(--accent);
  }
  button:disabled {
    opacity: 0.6;
    cursor: progress;
  }
  label {
    display: block;
    font-weight: 600;
    margin: 0.75rem 0 0.25rem;
  }
  input,
  textarea {
    font: inherit;
    box-sizing: border-box;
    width: 100%;
    max-width: 32rem;
    padding: 0.5rem 0.6rem;
    border: 1px solid var(--border);
    border-radius: 8px;
    background: #fff;
    color: var(--text);
  }
  textarea {
    font-family: ui-monospace, monospace;
    font-size: 0.85rem;
    word-break: break-all;
  }
  input:focus-visible,
  textarea:focus-visible,
  /* a date field's calendar button holds the focus inside the field without :focus-visible */
  input[type='date']:focus-within,
  input[type='datetime-local']:focus-within {
    outline: 3px solid var(--focus-on-light);
    outline-offset: 1px;
  }
  .actions {
    display: flex;
    flex-wrap: wrap;
    gap: 0.5rem;
    margin-top: 1rem;
  }
  .error {
    color: #9b1c1c;
    background: #fdecec;
    border: 1px solid #f3b7b7;
    border-radius: 8px;
    padding: 0.6rem 0.8rem;
    max-width: 40rem;
  }
  .error strong {
    display: block;
  }
`

/** A one-time code shown to another device: its QR image beside the text to copy (device links, visit invites). */
export const codeOfferStyles = css`
  .offer {
    display: flex;
    flex-wrap: wrap;
    gap: 1rem;
    align-items: flex-start;
  }
  .offer > div {
    flex: 1 1 16rem;
    min-width: 0;
  }
  img {
    width: 14rem;
    max-width: 100%;
    height: auto;
    image-rendering: pixelated;
    border: 1px solid var(--border);
    border-radius: 8px;
    background: #fff;
  }
  textarea {
    min-height: 7rem;
  }
`
