import type { ChecklistItem } from '@milepost/model';

/** A kind of milestone the palette offers, with what a new one starts with. */
export interface PaletteItem {
  id: string;
  label: string;
  description: string;
  targetDays: number;
  checklist: ChecklistItem[];
}

/** The data type that carries a palette item's id while it is dragged onto the canvas. */
export const PALETTE_MIME = 'application/x-milepost-palette-item';

export const PALETTE_ITEMS: readonly PaletteItem[] = [
  {
    id: 'milestone',
    label: 'Milestone',
    description: 'An empty milestone.',
    targetDays: 5,
    checklist: [],
  },
  {
    id: 'meeting',
    label: 'Customer meeting',
    description: 'A call with an agenda and follow-up notes.',
    targetDays: 3,
    checklist: [
      { id: 'book', title: 'Book the meeting', required: true },
      { id: 'agenda', title: 'Send the agenda', required: true },
      { id: 'notes', title: 'Share the notes', required: false },
    ],
  },
  {
    id: 'review',
    label: 'Review',
    description: 'A check that ends with a decision.',
    targetDays: 2,
    checklist: [
      { id: 'check', title: 'Check the work', required: true },
      { id: 'decide', title: 'Record the decision', required: true },
    ],
  },
  {
    id: 'handoff',
    label: 'Handoff',
    description: 'Passing the account to another team.',
    targetDays: 1,
    checklist: [{ id: 'brief', title: 'Brief the receiving team', required: true }],
  },
];
