import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  chromiumAvailable,
  launchChromium,
  screenshotPath,
  signIn,
  startDesignerServer,
  type DesignerServer,
} from './harness.ts';
import {
  PASTED_XSS,
  pasteHtml,
  unsafeAttributes,
  waitUntilSaved,
  watchForXss,
  xssFired,
} from './rich-text.ts';

describe.runIf(chromiumAvailable())('playbook editor', () => {
  let server: DesignerServer;
  let browser: Browser;

  beforeAll(async () => {
    server = await startDesignerServer();
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('writes, publishes and previews a playbook', async () => {
    const page = await signIn(browser, server.url, 'lead');
    await watchForXss(page);
    await page.goto(`${server.url}/#/playbooks`);

    await page.getByRole('button', { name: 'New playbook' }).click();
    await page.getByLabel('Name').fill('Churn rescue');
    await page.getByRole('button', { name: 'Create and open' }).click();
    await page.getByRole('heading', { name: 'Churn rescue', level: 1 }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Churn rescue', level: 1 }).waitFor();

    // Overview: a heading, bold text and a link made through the link form.
    const overview = page.getByRole('textbox', { name: 'Overview', exact: true });
    await overview.click();
    await page.getByRole('button', { name: 'Subheading' }).first().click();
    await page.keyboard.type('Why this matters');
    await page.keyboard.press('Enter');
    await page.keyboard.type('Read the adoption guide');
    for (let i = 0; i < 'adoption guide'.length; i += 1)
      await page.keyboard.press('Shift+ArrowLeft');
    await page.getByRole('button', { name: 'Link', exact: true }).first().click();
    const address = page.getByLabel('Link address');
    await address.fill('javascript:window.__xss = true');
    await page.getByRole('button', { name: 'Apply link' }).click();
    await expect
      .poll(() => page.getByRole('alert').filter({ hasText: 'is not allowed' }).count())
      .toBe(1);
    await address.fill('https://docs.example.com/adoption');
    await page.getByRole('button', { name: 'Apply link' }).click();
    await pasteHtml(overview, PASTED_XSS);

    // Two steps, an offer with its limit and a document link.
    await page.getByRole('button', { name: 'Add step' }).click();
    await page.getByLabel('Step 1 title').fill('Review the usage trend');
    await page.getByRole('textbox', { name: 'Step 1 guidance' }).click();
    await page.keyboard.type('Compare the last four weeks.');
    await page.getByRole('button', { name: 'Add step' }).click();
    await page.getByLabel('Step 2 title').fill('Call the champion');
    await page.getByRole('button', { name: 'Add offer' }).click();
    await page.getByLabel('Offer 1 title').fill('Renewal discount');
    await page.getByLabel('Offer 1 limit').fill('At most 10% with lead approval');
    await page.getByRole('textbox', { name: 'Offer 1 details' }).click();
    await page.keyboard.type('Only with a usage plan.');
    await page.getByRole('button', { name: 'Add document' }).click();
    await page.getByLabel('Document 1 title').fill('Renewal handbook');
    await page.getByLabel('Document 1 address').fill('https://docs.example.com/renewals');
    await page.getByRole('button', { name: 'Move step 2 up' }).click();
    await page.getByRole('button', { name: 'Move step 2 up' }).waitFor();
    await waitUntilSaved(page);

    await page.getByRole('button', { name: 'Publish' }).click();
    await expect
      .poll(() => page.getByTestId('publish-message').textContent())
      .toContain('Published version 1.');
    await page.screenshot({ path: screenshotPath('playbook-editor'), fullPage: true });

    const preview = page.getByTestId('playbook-preview');
    const guide = preview.getByRole('link', { name: 'adoption guide' });
    expect(await guide.getAttribute('href')).toBe('https://docs.example.com/adoption');
    expect(await guide.getAttribute('rel')).toBe('noopener noreferrer nofollow');
    expect(await guide.getAttribute('target')).toBe('_blank');
    const steps = preview.getByTestId('playbook-steps').locator(':scope > li > strong');
    expect(await steps.allTextContents()).toEqual(['Call the champion', 'Review the usage trend']);
    const offers = await preview.getByTestId('playbook-offers').textContent();
    expect(offers).toContain('Renewal discount');
    expect(offers).toContain('Limit: At most 10% with lead approval');
    const handbook = preview.getByRole('link', { name: 'Renewal handbook' });
    expect(await handbook.getAttribute('href')).toBe('https://docs.example.com/renewals');
    expect(await preview.getByRole('heading', { name: 'Why this matters' }).count()).toBe(1);
    expect(await preview.textContent()).toContain('hover here');

    // Whatever was pasted is inert in the editor and in the server-rendered preview.
    await page.getByText('hover here').first().hover();
    await page.getByText('pasted link').first().click();
    expect(await unsafeAttributes(page)).toEqual([]);
    expect(await xssFired(page)).toBe(false);

    const stored = await server.engine.playbooks.latest('churn-rescue');
    expect(stored.playbook.steps.map((step) => step.id)).toEqual(['step-2', 'step-1']);
    expect(JSON.stringify(stored.playbook)).not.toContain('javascript:');
    await page.context().close();
  });

  it('keeps stored payloads inert in both views', async () => {
    const handler = 'window.__xss = true';
    const text = (value: string, marks?: { type: 'link'; attrs: Record<string, unknown> }[]) => ({
      type: 'text' as const,
      text: value,
      ...(marks ? { marks } : {}),
    });
    const attack = {
      type: 'doc' as const,
      content: [
        {
          type: 'heading' as const,
          attrs: { level: 2, onclick: handler },
          content: [text('Injected heading')],
        },
        {
          type: 'paragraph' as const,
          content: [
            text(`<img src=x onerror="${handler}">`),
            text('script link', [{ type: 'link', attrs: { href: `javascript:${handler}` } }]),
            text('tab link', [{ type: 'link', attrs: { href: `java\tscript:${handler}` } }]),
            text('styled link', [
              { type: 'link', attrs: { href: 'https://example.com', onmouseover: handler } },
            ]),
          ],
        },
      ],
    };
    await server.engine.playbooks.create(
      {
        key: 'stored-attack',
        name: 'Stored attack',
        playbook: {
          key: 'stored-attack',
          name: 'Stored attack',
          overview: attack,
          steps: [{ id: 'one', title: 'One', guidance: attack }],
          links: [{ title: 'Bad document', url: `javascript:${handler}` }],
        },
      },
      null,
    );

    const page = await signIn(browser, server.url, 'lead');
    await watchForXss(page);
    await page.goto(`${server.url}/#/playbooks/stored-attack`);
    const preview = page.getByTestId('playbook-preview');
    await preview.getByRole('heading', { name: 'Injected heading' }).first().waitFor();
    for (const name of ['Injected heading', 'script link', 'tab link', 'styled link']) {
      await page.getByText(name).first().click();
      await page.getByText(name).last().click();
    }

    expect(await preview.textContent()).toContain('<img src=x onerror=');
    expect(await preview.textContent()).toContain('address removed');
    expect(await unsafeAttributes(page)).toEqual([]);
    expect(await xssFired(page)).toBe(false);
    await page.screenshot({ path: screenshotPath('playbook-stored-attack'), fullPage: true });
    await page.context().close();
  });

  it('shows a CSM the published playbook', async () => {
    const page = await signIn(browser, server.url, 'csm');
    await watchForXss(page);
    await page.goto(`${server.url}/#/playbooks`);
    await page.getByRole('link', { name: 'Churn rescue' }).click();

    const view = page.getByTestId('playbook-view');
    await view.waitFor();
    expect(await page.getByRole('textbox').count()).toBe(0);
    expect(await view.getByRole('link', { name: 'adoption guide' }).getAttribute('href')).toBe(
      'https://docs.example.com/adoption',
    );
    expect(await view.textContent()).toContain('Renewal discount');
    await page.getByText('hover here').first().hover();
    expect(await unsafeAttributes(page)).toEqual([]);
    expect(await xssFired(page)).toBe(false);
    await page.screenshot({ path: screenshotPath('playbook-csm-view'), fullPage: true });
    await page.context().close();
  });
});
