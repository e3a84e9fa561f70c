import type { Extensions } from '@tiptap/core';
import StarterKit from '@tiptap/starter-kit';

/**
 * The editor's schema: paragraphs, headings, lists, quotes, line breaks, bold, italic and links.
 * The server renders stored documents with the same StarterKit settings, so anything the editor
 * cannot hold (images, code, pasted scripts) is dropped before it is stored.
 */
export const richTextExtensions: Extensions = [
  StarterKit.configure({
    code: false,
    codeBlock: false,
    horizontalRule: false,
    strike: false,
    underline: false,
    heading: { levels: [2, 3, 4] },
    link: {
      openOnClick: false,
      autolink: true,
      protocols: ['mailto'],
      defaultProtocol: 'https',
      HTMLAttributes: { target: '_blank', rel: 'noopener noreferrer nofollow' },
    },
  }),
];

/** Returns true for the link addresses a playbook may hold: http, https and mailto. */
export function isSafeUrl(url: string): boolean {
  // Browsers ignore tabs, newlines and other control characters inside a scheme, so they are
  // removed before the check.
  const compact = [...url].filter((character) => character.charCodeAt(0) > 0x20).join('');
  return /^(https?:\/\/|mailto:)/i.test(compact);
}
