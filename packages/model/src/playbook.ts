import { z } from 'zod';
import { WorkflowKey } from './ids.ts';

/** Node types of the rich-text editor's JSON that a playbook may contain. */
export const RICH_TEXT_NODES = [
  'doc',
  'paragraph',
  'heading',
  'bulletList',
  'orderedList',
  'listItem',
  'blockquote',
  'hardBreak',
  'text',
] as const;

/** Marks of the rich-text editor's JSON that a playbook may contain. */
export const RICH_TEXT_MARKS = ['bold', 'italic', 'link'] as const;

export interface RichTextMark {
  type: (typeof RICH_TEXT_MARKS)[number];
  attrs?: Record<string, unknown> | undefined;
}

/** A node of the editor's (ProseMirror) JSON document. */
export interface RichTextNode {
  type: (typeof RICH_TEXT_NODES)[number];
  attrs?: Record<string, unknown> | undefined;
  content?: RichTextNode[] | undefined;
  marks?: RichTextMark[] | undefined;
  text?: string | undefined;
}

const RichTextMarkSchema = z.object({
  type: z.enum(RICH_TEXT_MARKS),
  attrs: z.record(z.string(), z.unknown()).optional(),
});

export const RichTextNode: z.ZodType<RichTextNode> = z.lazy(() =>
  z.object({
    type: z.enum(RICH_TEXT_NODES),
    attrs: z.record(z.string(), z.unknown()).optional(),
    content: z.array(RichTextNode).optional(),
    marks: z.array(RichTextMarkSchema).optional(),
    text: z.string().optional(),
  }),
);

/** A rich-text document as the editor stores it: a `doc` node. The empty document is the default. */
export const RichText = RichTextNode.refine((node) => node.type === 'doc', {
  message: 'A rich-text value must be a document: {"type": "doc", "content": [...]}.',
});
export type RichText = RichTextNode;

export const EMPTY_RICH_TEXT: RichText = { type: 'doc', content: [] };

/** A step of a playbook; an alert task copies each as a subtask. */
export const PlaybookStep = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, {
      message: 'Use lowercase letters, digits, "_" and "-" only, for example "call-sponsor".',
    }),
    title: z.string().trim().min(1, { message: 'Give the step a title.' }),
    guidance: RichText.default(EMPTY_RICH_TEXT),
  })
  .strict();
export type PlaybookStep = z.infer<typeof PlaybookStep>;

/** An offer a CSM may make, with its limit (such as the largest discount). */
export const PlaybookOffer = z
  .object({
    title: z.string().trim().min(1, { message: 'Give the offer a title.' }),
    limit: z.string().default(''),
    details: RichText.default(EMPTY_RICH_TEXT),
  })
  .strict();
export type PlaybookOffer = z.infer<typeof PlaybookOffer>;

/** Links may only use these schemes, so a `javascript:` address never reaches a page. */
export const SafeUrl = z
  .string()
  .trim()
  .refine((url) => /^(https?:\/\/|mailto:)/i.test(url), {
    message: 'Links must start with https://, http:// or mailto:.',
  });

export const PlaybookLink = z
  .object({ title: z.string().trim().min(1, { message: 'Give the link a title.' }), url: SafeUrl })
  .strict();
export type PlaybookLink = z.infer<typeof PlaybookLink>;

/**
 * Guidance for responding to an alert type: an overview, ordered steps, questions to ask,
 * objection handling, approved offers and links to documents. Not time-tracked.
 */
export const Playbook = z
  .object({
    key: WorkflowKey,
    name: z.string().trim().min(1, { message: 'Give the playbook a name.' }),
    overview: RichText.default(EMPTY_RICH_TEXT),
    steps: z.array(PlaybookStep).default([]),
    questions: RichText.default(EMPTY_RICH_TEXT),
    objections: RichText.default(EMPTY_RICH_TEXT),
    offers: z.array(PlaybookOffer).default([]),
    links: z.array(PlaybookLink).default([]),
  })
  .strict()
  .superRefine((playbook, context) => {
    const seen = new Set<string>();
    playbook.steps.forEach((step, index) => {
      if (seen.has(step.id)) {
        context.addIssue({
          code: 'custom',
          path: ['steps', index, 'id'],
          message: `Step id "${step.id}" is used twice; give each step its own id.`,
        });
      }
      seen.add(step.id);
    });
  });
export type Playbook = z.infer<typeof Playbook>;
export type PlaybookInput = z.input<typeof Playbook>;
