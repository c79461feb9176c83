import { neutralizeMentions } from './mentions.js';
import { type GitHost, type HostNote, type Identity, marker, ScmError } from './types.js';

/**
 * The sticky note, once for every host: the note that carries `topic`'s marker AND was written by the
 * token's own user is flinkops' note. A comment by anyone else that starts with the marker is an
 * ordinary comment — never updated, never read as the reviewed plan.
 */
export async function ensureNote(
  git: GitHost,
  topic: string,
  body: string,
): Promise<{ action: 'created' | 'updated' | 'unchanged'; id: number; url?: string }> {
  const full = `${marker(topic)}\n${neutralizeMentions(body)}`;
  if (full.length > git.noteLimit)
    throw new ScmError(
      `${git.name}: the note has ${full.length} characters, more than the host accepts (${git.noteLimit})`,
    );
  const me = await git.whoAmI();
  const find = async () => ours(await git.listNotes(), me, topic);
  const existing = await find();
  if (existing) {
    if (existing.body === full) return result('unchanged', existing);
    await git.updateNote(existing.id, full);
    return result('updated', existing);
  }
  try {
    return result('created', await git.createNote(full));
  } catch (e) {
    // A refusal (4xx but 429) is final. Otherwise the host may have written the note before failing:
    // look again before the one more attempt, so a note is never created twice.
    if (!(e instanceof ScmError) || (e.status !== undefined && e.status < 500 && e.status !== 429)) throw e;
    const after = await find();
    return result('created', after ?? (await git.createNote(full)));
  }
}

/** The body (without the marker line) of flinkops' own note for `topic`, if there is one. */
export async function readNote(git: GitHost, topic: string): Promise<string | undefined> {
  const me = await git.whoAmI();
  const note = ours(await git.listNotes(), me, topic);
  return note?.body.slice(marker(topic).length + 1);
}

function ours(notes: HostNote[], me: Identity, topic: string): HostNote | undefined {
  const tag = `${marker(topic)}\n`;
  return notes.find((n) => n.author !== undefined && sameUser(n.author, me) && n.body.startsWith(tag));
}

/** The id where both sides have one (logins can be renamed and reused), else the login. */
function sameUser(a: Identity, b: Identity): boolean {
  return a.id !== undefined && b.id !== undefined ? a.id === b.id : a.login === b.login;
}

function result<A extends 'created' | 'updated' | 'unchanged'>(
  action: A,
  note: { id: number; url?: string },
): { action: A; id: number; url?: string } {
  return { action, id: note.id, ...(note.url ? { url: note.url } : {}) };
}
