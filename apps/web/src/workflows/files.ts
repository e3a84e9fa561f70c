import { validateDefinition, type Problem, type WorkflowDefinition } from '@milepost/model';

export type ReadResult =
  | { ok: true; definition: WorkflowDefinition }
  | { ok: false; problems: Pick<Problem, 'code' | 'message'>[] };

/** Reads a workflow definition from a JSON file and checks it with `validateDefinition`. */
export async function readDefinitionFile(file: File): Promise<ReadResult> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await file.text());
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return {
      ok: false,
      problems: [{ code: 'invalid_field', message: `${file.name} is not valid JSON: ${reason}` }],
    };
  }

  const result = validateDefinition(parsed);
  return result.ok
    ? { ok: true, definition: result.definition }
    : { ok: false, problems: result.problems };
}

/** Offers `value` as a JSON file download. */
export function downloadJson(fileName: string, value: unknown): void {
  const blob = new Blob([`${JSON.stringify(value, null, 2)}\n`], { type: 'application/json' });
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.click();
  URL.revokeObjectURL(url);
}
