import type { Locator, Page } from 'playwright-core';

// Cross-site scripting payloads for the rich-text editor, and the checks that show they stayed
// inert, shared by the browser tests that write playbooks and show them to CSMs.

/** Clipboard HTML whose handlers would set `window.__xss` if they ever ran. */
export const PASTED_XSS = [
  '<p>Pasted <img src="x" onerror="window.__xss = true"> notes</p>',
  '<p><a href="javascript:window.__xss = true">pasted link</a></p>',
  '<p onmouseover="window.__xss = true">hover here</p>',
  '<svg onload="window.__xss = true"><circle r="1"></circle></svg>',
  '<script>window.__xss = true</script>',
  '<iframe src="javascript:window.__xss = true"></iframe>',
].join('');

/** The page's global flag that the payloads set; this file is type-checked without the DOM. */
type XssFlag = { __xss: boolean };

/** Marks the page so that any injected handler that runs leaves a trace. */
export async function watchForXss(page: Page): Promise<void> {
  const reset = () => {
    (globalThis as unknown as XssFlag).__xss = false;
  };
  await page.addInitScript(reset);
  await page.evaluate(reset);
}

export function xssFired(page: Page): Promise<boolean> {
  return page.evaluate(() => (globalThis as unknown as XssFlag).__xss);
}

/**
 * Lists event-handler attributes and script addresses anywhere in the page's DOM, and elements
 * inside rendered rich text that could load or run code.
 */
export function unsafeAttributes(page: Page): Promise<string[]> {
  return page.locator('*').evaluateAll((elements) => {
    const found: string[] = [];
    for (const element of elements) {
      for (const attribute of element.attributes) {
        const characters = [...attribute.value].filter((c) => c.charCodeAt(0) > 0x20);
        const value = characters.join('').toLowerCase();
        if (attribute.name.toLowerCase().startsWith('on')) found.push(`${attribute.name}`);
        if (/^(javascript|data|vbscript):/.test(value)) found.push(`${attribute.name}=${value}`);
      }
      const tag = element.tagName.toLowerCase();
      const risky = ['script', 'iframe', 'img', 'svg', 'object', 'embed'].includes(tag);
      if (risky && element.closest('.rich-text')) found.push(`${tag} in rich text`);
    }
    return found;
  });
}

interface PasteScope {
  DataTransfer: new () => { setData(format: string, data: string): void };
  ClipboardEvent: new (type: string, init: Record<string, unknown>) => unknown;
}

/** Pastes `html` into a rich-text editor as a clipboard paste event carries it. */
export async function pasteHtml(editor: Locator, html: string): Promise<void> {
  await editor.click();
  await editor.press('End');
  await editor.evaluate((element, content) => {
    const scope = globalThis as unknown as PasteScope;
    const data = new scope.DataTransfer();
    data.setData('text/html', content);
    data.setData('text/plain', 'pasted');
    const event = new scope.ClipboardEvent('paste', {
      clipboardData: data,
      bubbles: true,
      cancelable: true,
    });
    element.dispatchEvent(event as never);
  }, html);
}

export async function waitUntilSaved(page: Page): Promise<void> {
  await page.getByTestId('save-status').and(page.locator('[data-status="saved"]')).waitFor();
}
