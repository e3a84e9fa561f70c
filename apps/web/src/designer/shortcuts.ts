export type Shortcut = 'undo' | 'redo' | 'copy' | 'paste' | 'save' | 'selectAll';

/**
 * Returns the designer shortcut of a key press: Ctrl (Cmd on macOS) with Z, Shift+Z, Y, C, V,
 * S or A. Presses inside text fields are left to the field, except saving.
 */
export function shortcutFor(event: KeyboardEvent): Shortcut | null {
  if (!(event.ctrlKey || event.metaKey) || event.altKey) return null;
  const key = event.key.toLowerCase();
  if (key === 's') return 'save';
  if (isTextField(event.target)) return null;

  if (key === 'z') return event.shiftKey ? 'redo' : 'undo';
  if (key === 'y') return 'redo';
  if (key === 'c') return 'copy';
  if (key === 'v') return 'paste';
  if (key === 'a') return 'selectAll';
  return null;
}

/** Tells whether key presses on `target` edit text. */
export function isTextField(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  if (!(target instanceof HTMLInputElement)) return false;
  return !['checkbox', 'radio', 'button', 'submit', 'range', 'file'].includes(target.type);
}
