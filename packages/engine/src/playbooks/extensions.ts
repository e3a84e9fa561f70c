import StarterKit from '@tiptap/starter-kit';
import type { Extensions } from '@tiptap/core';

/** Heading levels the editor offers. A stored heading of another level renders as the first. */
export const HEADING_LEVELS = [2, 3, 4] as const;

/**
 * The editor's schema on the server: the nodes and marks a playbook may contain (paragraphs,
 * headings, lists, quotes, line breaks, bold, italic and links) and nothing else. The web editor
 * configures StarterKit the same way, so both sides parse and print the same documents.
 */
export const richTextExtensions: Extensions = [
  StarterKit.configure({
    code: false,
    codeBlock: false,
    horizontalRule: false,
    strike: false,
    underline: false,
    heading: { levels: [...HEADING_LEVELS] },
    link: {
      openOnClick: false,
      protocols: ['mailto'],
      HTMLAttributes: { target: '_blank', rel: 'noopener noreferrer nofollow' },
    },
  }),
];
