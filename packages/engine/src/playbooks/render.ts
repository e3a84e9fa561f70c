import { getSchema } from '@tiptap/core';
import { DOMSerializer, Node as ProseMirrorNode, type Schema } from '@tiptap/pm/model';
import { createRequire } from 'node:module';
import createDOMPurify, { type WindowLike } from 'dompurify';
import type { PlaybookInput, RichText, RichTextNode } from '@milepost/model';
import { richTextExtensions } from './extensions.ts';

/** Tags the editor's schema prints. The sanitizer removes every other tag. */
const ALLOWED_TAGS = [
  'p',
  'h2',
  'h3',
  'h4',
  'ul',
  'ol',
  'li',
  'blockquote',
  'br',
  'strong',
  'em',
  'a',
];
const ALLOWED_ATTR = ['href', 'target', 'rel', 'start'];
/** Link addresses must start with one of these schemes once whitespace is removed. */
const SAFE_URI = /^(?:https?:|mailto:)/i;
const LINK_REL = 'noopener noreferrer nofollow';

type ServerWindow = WindowLike & { document: ServerDocument; close(): void };

let server:
  { window: ServerWindow; purify: ReturnType<typeof createDOMPurify>; uses: number } | undefined;

/**
 * Each sanitize parses into a new jsdom document whose selector engine adds event listeners to
 * the shared window (jsdom 27.4.0), so every call is slower than the one before. Measured on
 * this project's two-core machine, the first 500 calls took 1.1 s and calls 2,501 to 3,000 took
 * 4.3 s. The window is replaced after this many uses, which keeps a call's cost flat.
 */
const WINDOW_USES = 200;

/**
 * Returns the server-side DOM and its sanitizer, built on first use and rebuilt after
 * `WINDOW_USES` uses. They are not built at load time, because loading jsdom adds about half a
 * second to the start of every command that never renders a playbook.
 */
function serverDom() {
  if (server && server.uses++ < WINDOW_USES) return server;
  server?.window.close();
  // jsdom is loaded without its type package, which would add the DOM library to every program
  // that type-checks this file, including the web app's.
  const { JSDOM } = createRequire(import.meta.url)('jsdom') as {
    JSDOM: new (html: string) => { window: ServerWindow };
  };
  const { window } = new JSDOM('');
  const purify = createDOMPurify(window);
  purify.addHook('afterSanitizeAttributes', (node) => {
    if (node.nodeName !== 'A') return;
    // The editor prints an empty href for a link whose address it rejected.
    if (!node.getAttribute('href')) node.removeAttribute('href');
    node.setAttribute('target', '_blank');
    node.setAttribute('rel', LINK_REL);
  });
  server = { window, purify, uses: 1 };
  return server;
}

/** The part of jsdom's document that serializing uses. */
interface ServerDocument {
  createElement(tag: string): ServerElement;
}
interface ServerElement {
  innerHTML: string;
  textContent: string | null;
  append(child: ServerElement): void;
}

let cachedSchema: Schema | undefined;
function schema(): Schema {
  cachedSchema ??= getSchema(richTextExtensions);
  return cachedSchema;
}

/**
 * Renders the editor's JSON document as sanitized HTML, safe to insert into a page. The document
 * is printed through the editor's own schema, so unknown node types, marks and attributes are
 * dropped, and the output then passes DOMPurify with an allowlist of the tags the editor makes.
 * Links keep only http, https and mailto addresses and open in a new tab without a referrer.
 */
export function renderRichText(doc: RichText | null | undefined): string {
  if (!doc) return '';
  return sanitizeHtml(serialize(doc));
}

/** Sanitizes HTML with the same allowlist as `renderRichText`. */
export function sanitizeHtml(html: string): string {
  return serverDom().purify.sanitize(html, {
    ALLOWED_TAGS,
    ALLOWED_ATTR,
    ALLOWED_URI_REGEXP: SAFE_URI,
    ALLOW_DATA_ATTR: false,
    ALLOW_ARIA_ATTR: false,
  });
}

/** Returns the address when it is an http, https or mailto link, and null otherwise. */
export function safeUrl(url: string | null | undefined): string | null {
  const trimmed = (url ?? '').trim();
  // Browsers ignore tabs, newlines and other control characters inside a scheme, so
  // "java\tscript:" must not pass either.
  const compact = [...trimmed].filter((character) => character.charCodeAt(0) > 0x20).join('');
  return /^(?:https?:\/\/|mailto:)/i.test(compact) ? trimmed : null;
}

function serialize(doc: RichTextNode): string {
  const current = schema();
  const document = serverDom().window.document;
  const wrap = document.createElement('div');
  try {
    const node = ProseMirrorNode.fromJSON(current, normalize(doc, current));
    DOMSerializer.fromSchema(current).serializeFragment(node.content, { document }, wrap);
    return wrap.innerHTML;
  } catch {
    // A document the schema cannot hold still shows its words, as escaped plain paragraphs.
    for (const line of plainText(doc)) {
      const paragraph = document.createElement('p');
      paragraph.textContent = line;
      wrap.append(paragraph);
    }
    return wrap.innerHTML;
  }
}

/**
 * Keeps the parts of a stored document that the schema defines: a node of an unknown type is
 * replaced by its children, unknown marks are dropped and so are empty text nodes.
 */
function normalize(node: RichTextNode, current: Schema): Record<string, unknown> {
  return { ...normalizeNode(node, current)[0], type: 'doc' };
}

function normalizeNode(node: RichTextNode, current: Schema): Record<string, unknown>[] {
  if (node.type === 'text') {
    if (typeof node.text !== 'string' || node.text === '') return [];
    const marks = (node.marks ?? []).filter((mark) => mark.type in current.marks);
    return [{ type: 'text', text: node.text, marks }];
  }

  const content = (node.content ?? []).flatMap((child) => normalizeNode(child, current));
  if (!(node.type in current.nodes)) return content;
  return [{ type: node.type, attrs: node.attrs ?? {}, content }];
}

function plainText(node: RichTextNode): string[] {
  if (node.type === 'text') return [typeof node.text === 'string' ? node.text : ''];
  const parts = (Array.isArray(node.content) ? node.content : []).flatMap(plainText);
  return node.type === 'doc' ? parts : [parts.join('')];
}

/** Renders a rich-text field of a draft, which may hold anything, or '' when it is no object. */
function renderDraftText(value: unknown): string {
  if (value === null || typeof value !== 'object') return '';
  return renderRichText(value as RichText);
}

/** A playbook as pages receive it: every rich-text field is sanitized HTML. */
export interface RenderedPlaybook {
  key: string;
  name: string;
  overview: string;
  steps: { id: string; title: string; guidance: string }[];
  questions: string;
  objections: string;
  offers: { title: string; limit: string; details: string }[];
  /** Links whose address is not http, https or mailto keep their title with a null `url`. */
  links: { title: string; url: string | null }[];
}

/**
 * Renders every rich-text field of a playbook, or of a draft that may still be incomplete, as
 * sanitized HTML. Pages show these strings and never render the editor's JSON themselves.
 */
export function renderPlaybook(playbook: PlaybookInput): RenderedPlaybook {
  return {
    key: playbook.key,
    name: playbook.name,
    overview: renderDraftText(playbook.overview),
    steps: (playbook.steps ?? []).map((step) => ({
      id: step.id,
      title: step.title,
      guidance: renderDraftText(step.guidance),
    })),
    questions: renderDraftText(playbook.questions),
    objections: renderDraftText(playbook.objections),
    offers: (playbook.offers ?? []).map((offer) => ({
      title: offer.title,
      limit: offer.limit ?? '',
      details: renderDraftText(offer.details),
    })),
    links: (playbook.links ?? []).map((link) => ({ title: link.title, url: safeUrl(link.url) })),
  };
}
