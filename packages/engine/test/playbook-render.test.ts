import type { RichText, RichTextNode } from '@milepost/model';
import { JSDOM } from 'jsdom';
import { describe, expect, it } from 'vitest';
import { renderPlaybook, renderRichText, safeUrl, sanitizeHtml } from '../src/index.ts';

const ALLOWED_TAGS = new Set([
  'P',
  'H2',
  'H3',
  'H4',
  'UL',
  'OL',
  'LI',
  'BLOCKQUOTE',
  'BR',
  'STRONG',
  'EM',
  'A',
]);
const SAFE_HREF = /^(https?:|mailto:)/i;

function doc(...content: unknown[]): RichText {
  return { type: 'doc', content: content as RichTextNode[] };
}

function text(value: string, marks: unknown[] = []) {
  return { type: 'text', text: value, marks };
}

function paragraph(...content: unknown[]) {
  return { type: 'paragraph', content };
}

function link(href: string, attrs: Record<string, unknown> = {}) {
  return doc(paragraph(text('click', [{ type: 'link', attrs: { href, ...attrs } }])));
}

/** Lists every element, attribute and address in `html` that could run script. */
function unsafeParts(html: string): string[] {
  const { document } = new JSDOM(`<body>${html}</body>`).window;
  const found: string[] = [];
  for (const element of document.body.querySelectorAll('*')) {
    if (!ALLOWED_TAGS.has(element.tagName)) found.push(`tag ${element.tagName}`);
    for (const attribute of element.attributes) {
      const name = attribute.name.toLowerCase();
      if (name.startsWith('on') || name === 'style' || name === 'src') found.push(`attr ${name}`);
      if (name === 'href' && !SAFE_HREF.test(attribute.value))
        found.push(`href ${attribute.value}`);
    }
  }
  return found;
}

function textOf(html: string): string {
  return new JSDOM(`<body>${html}</body>`).window.document.body.textContent ?? '';
}

/** Documents built the way an attacker could send them to the API, with what must not survive. */
const documentPayloads: [string, RichText][] = [
  ['script tag as text', doc(paragraph(text('<script>alert(1)</script>')))],
  ['img onerror as text', doc(paragraph(text('<img src=x onerror=alert(1)>')))],
  ['svg onload as text', doc(paragraph(text('<svg onload=alert(1)>')))],
  ['attribute breakout as text', doc(paragraph(text('"><script>alert(1)</script>')))],
  ['anchor markup as text', doc(paragraph(text('<a href="javascript:alert(1)">x</a>')))],
  ['javascript: link', link('javascript:alert(1)')],
  ['mixed-case javascript: link', link('JaVaScRiPt:alert(1)')],
  ['javascript: with a colon entity', link('javascript&#58;alert(1)')],
  ['javascript: with a letter entity', link('&#106;avascript:alert(1)')],
  ['javascript: with a tab', link('java\tscript:alert(1)')],
  ['javascript: with a newline', link('java\nscript:alert(1)')],
  ['javascript: after whitespace', link(' \n\t javascript:alert(1)')],
  ['javascript: after a control character', link('\u0001javascript:alert(1)')],
  ['data: URL', link('data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==')],
  ['vbscript: URL', link('vbscript:msgbox(1)')],
  ['quote breakout in href', link('https://example.com/" onmouseover="alert(1)')],
  [
    'event handlers on a link',
    link('https://example.com', { onclick: 'alert(1)', onmouseover: 'x' }),
  ],
  ['style expression on a link', link('https://example.com', { style: 'x:expression(alert(1))' })],
  ['target and rel overridden', link('https://example.com', { target: '_self', rel: 'opener' })],
  [
    'onclick on a heading',
    doc({ type: 'heading', attrs: { level: 2, onclick: 'alert(1)' }, content: [text('Hi')] }),
  ],
  [
    'style url on a paragraph',
    doc({ type: 'paragraph', attrs: { style: 'background:url(javascript:alert(1))' } }),
  ],
  [
    'attribute breakout in list start',
    doc({
      type: 'orderedList',
      attrs: { start: '1" onclick="alert(1)' },
      content: [{ type: 'listItem', content: [paragraph(text('one'))] }],
    }),
  ],
  [
    'heading level with markup',
    doc({ type: 'heading', attrs: { level: '1><script>alert(1)</script>' }, content: [text('x')] }),
  ],
  ['iframe node', doc({ type: 'iframe', attrs: { src: 'javascript:alert(1)' } })],
  ['image node with onerror', doc({ type: 'image', attrs: { src: 'x', onerror: 'alert(1)' } })],
  ['script mark', doc(paragraph(text('x', [{ type: 'script', attrs: { src: 'evil.js' } }])))],
  ['code block node', doc({ type: 'codeBlock', content: [text('<script>alert(1)</script>')] })],
];

/** HTML as a clipboard paste or an older editor could produce it, sanitized directly. */
const htmlPayloads = [
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '<svg onload=alert(1)><circle/></svg>',
  '<svg><script>alert(1)</script></svg>',
  '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
  '<iframe src="javascript:alert(1)"></iframe>',
  '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
  '<a href="javascript:alert(1)">x</a>',
  '<a href="JaVaScRiPt:alert(1)">x</a>',
  '<a href="jav&#x09;ascript:alert(1)">x</a>',
  '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>',
  '<a href=" javascript:alert(1)">x</a>',
  '<a href="data:text/html,<script>alert(1)</script>">x</a>',
  '<p onclick="alert(1)">x</p>',
  '<strong onmouseover="alert(1)">x</strong>',
  '<p style="background:url(javascript:alert(1))">x</p>',
  '<div style="width:expression(alert(1))">x</div>',
  '<object data="javascript:alert(1)"></object>',
  '<embed src="javascript:alert(1)">',
  '<form action="javascript:alert(1)"><button>x</button></form>',
  '<body onload=alert(1)>',
  '<details open ontoggle=alert(1)>',
  '<input autofocus onfocus=alert(1)>',
  '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
  '<base href="javascript:alert(1)//">',
  '<a href="https://example.com" target="_self" rel="opener">ok</a>',
];

describe('unsafeParts', () => {
  it('flags what the sanitizer must remove', () => {
    const raw = '<a href="javascript:alert(1)" onclick="x">a</a><img src=x><p style="x">b</p>';
    expect(unsafeParts(raw)).toEqual([
      'href javascript:alert(1)',
      'attr onclick',
      'tag IMG',
      'attr src',
      'attr style',
    ]);
  });
});

describe('renderRichText', () => {
  it('prints the editor nodes and marks', () => {
    const html = renderRichText(
      doc(
        { type: 'heading', attrs: { level: 2 }, content: [text('Why')] },
        paragraph(
          text('bold', [{ type: 'bold' }]),
          text(' and '),
          text('it', [{ type: 'italic' }]),
        ),
        { type: 'bulletList', content: [{ type: 'listItem', content: [paragraph(text('a'))] }] },
        { type: 'orderedList', content: [{ type: 'listItem', content: [paragraph(text('b'))] }] },
        { type: 'blockquote', content: [paragraph(text('q'), { type: 'hardBreak' }, text('r'))] },
      ),
    );

    expect(html).toBe(
      '<h2>Why</h2><p><strong>bold</strong> and <em>it</em></p><ul><li><p>a</p></li></ul>' +
        '<ol><li><p>b</p></li></ol><blockquote><p>q<br>r</p></blockquote>',
    );
  });

  it('opens safe links in a new tab', () => {
    const html = renderRichText(link('https://example.com/guide'));
    expect(html).toBe(
      '<p><a href="https://example.com/guide" target="_blank" rel="noopener noreferrer nofollow">' +
        'click</a></p>',
    );
    expect(renderRichText(link('mailto:team@example.com'))).toContain(
      'href="mailto:team@example.com"',
    );
  });

  it('returns an empty string for no document', () => {
    expect(renderRichText(undefined)).toBe('');
    expect(renderRichText({ type: 'doc', content: [] })).toBe('');
  });

  it.each(documentPayloads)('neutralizes %s', (_name, payload) => {
    const html = renderRichText(payload);
    expect(unsafeParts(html)).toEqual([]);
    expect(html.toLowerCase()).not.toContain('<script');
    for (const anchor of new JSDOM(html).window.document.querySelectorAll('a')) {
      expect(anchor.getAttribute('rel')).toBe('noopener noreferrer nofollow');
      expect(anchor.getAttribute('target')).toBe('_blank');
    }
  });

  it('escapes markup typed as text', () => {
    const typed = '<img src=x onerror=alert(1)> & "quotes"';
    const html = renderRichText(doc(paragraph(text(typed))));
    expect(html).toBe('<p>&lt;img src=x onerror=alert(1)&gt; &amp; "quotes"</p>');
    expect(textOf(html)).toBe(typed);
  });

  it('shows the words of a document the schema cannot hold', () => {
    const broken = doc({ type: 'listItem', content: [text('<b>loose</b>')] }, text('tail'));
    const html = renderRichText(broken);
    expect(unsafeParts(html)).toEqual([]);
    expect(textOf(html)).toContain('<b>loose</b>');
  });
});

describe('sanitizeHtml', () => {
  it.each(htmlPayloads)('neutralizes %s', (payload) => {
    const html = sanitizeHtml(payload);
    expect(unsafeParts(html)).toEqual([]);
    expect(html.toLowerCase()).not.toContain('<script');
  });
});

describe('safeUrl', () => {
  it.each([
    ['https://example.com', 'https://example.com'],
    [' mailto:team@example.com ', 'mailto:team@example.com'],
    ['javascript:alert(1)', null],
    ['JAVASCRIPT:alert(1)', null],
    ['java\tscript:alert(1)', null],
    ['data:text/html,x', null],
    ['//example.com', null],
    ['', null],
  ])('checks %j', (url, expected) => {
    expect(safeUrl(url)).toBe(expected);
  });
});

describe('renderPlaybook', () => {
  it('renders every rich-text field and drops unsafe links', () => {
    const attack = doc(paragraph(text('<script>alert(1)</script>')));
    const rendered = renderPlaybook({
      key: 'usage-drop',
      name: 'Usage drop',
      overview: attack,
      steps: [{ id: 'call', title: 'Call', guidance: link('javascript:alert(1)') }],
      questions: attack,
      objections: attack,
      offers: [{ title: 'Discount', limit: 'At most 10%', details: attack }],
      links: [
        { title: 'Guide', url: 'https://example.com/guide' },
        { title: 'Trap', url: 'javascript:alert(1)' },
      ],
    });

    for (const html of [
      rendered.overview,
      rendered.questions,
      rendered.objections,
      rendered.steps[0]!.guidance,
      rendered.offers[0]!.details,
    ]) {
      expect(unsafeParts(html)).toEqual([]);
      expect(html).not.toContain('<script');
    }
    expect(rendered.steps[0]!.guidance).not.toContain('href');
    expect(rendered.offers[0]).toMatchObject({ title: 'Discount', limit: 'At most 10%' });
    expect(rendered.links).toEqual([
      { title: 'Guide', url: 'https://example.com/guide' },
      { title: 'Trap', url: null },
    ]);
  });

  it('renders an incomplete draft', () => {
    const rendered = renderPlaybook({ key: 'new', name: '', overview: 'not a doc' as never });
    expect(rendered).toEqual({
      key: 'new',
      name: '',
      overview: '',
      steps: [],
      questions: '',
      objections: '',
      offers: [],
      links: [],
    });
  });
});
