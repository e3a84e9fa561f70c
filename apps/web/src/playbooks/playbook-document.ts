import type { PlaybookInput, RichText } from '@milepost/model';

/** An empty rich-text document, as the editor stores one. */
export const emptyDoc = (): RichText => ({ type: 'doc', content: [] });

/** The editable playbook with every optional field filled, so the form can bind to it. */
export type EditablePlaybook = {
  key: string;
  name: string;
  overview: RichText;
  steps: { id: string; title: string; guidance: RichText }[];
  questions: RichText;
  objections: RichText;
  offers: { title: string; limit: string; details: RichText }[];
  links: { title: string; url: string }[];
};

function richText(value: unknown): RichText {
  return value && typeof value === 'object' ? (value as RichText) : emptyDoc();
}

/** Fills the optional fields of a stored draft. */
export function toEditable(playbook: PlaybookInput): EditablePlaybook {
  return {
    key: playbook.key,
    name: playbook.name,
    overview: richText(playbook.overview),
    steps: (playbook.steps ?? []).map((step) => ({
      id: step.id,
      title: step.title,
      guidance: richText(step.guidance),
    })),
    questions: richText(playbook.questions),
    objections: richText(playbook.objections),
    offers: (playbook.offers ?? []).map((offer) => ({
      title: offer.title,
      limit: offer.limit ?? '',
      details: richText(offer.details),
    })),
    links: (playbook.links ?? []).map((link) => ({ title: link.title, url: link.url })),
  };
}

/** Returns a step id that no step in `steps` has, such as `step-3`. */
export function newStepId(steps: readonly { id: string }[]): string {
  const used = new Set(steps.map((step) => step.id));
  let number = steps.length + 1;
  while (used.has(`step-${number}`)) number += 1;
  return `step-${number}`;
}

/** Moves the item at `from` by `offset` places, returning a new array. */
export function moved<T>(items: readonly T[], from: number, offset: number): T[] {
  const to = from + offset;
  if (to < 0 || to >= items.length) return [...items];
  const copy = [...items];
  const [item] = copy.splice(from, 1);
  copy.splice(to, 0, item!);
  return copy;
}
