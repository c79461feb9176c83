/**
 * Text flinkops writes into a note (owner lists, job names, SQL, diagnostics) must not notify anyone
 * nor act: `@user`, `@group/sub`, `@all`, `@here`, GitHub's `@org/team`, and GitLab quick actions.
 *
 * Why a word joiner (U+2060) and not code spans: both hosts look for mentions in the rendered text
 * with a pattern that needs a name character right after `@` (GitLab's user and group reference
 * pattern, GitHub's mention filter), so `@⁠all` is plain text on both, in any context. Code spans
 * are skipped by both as well, but whether backticks make a code span depends on where the text
 * lands (inside an HTML block such as `<summary>` they are literal), and an entity like `&#64;` is
 * decoded before the mention filter runs. The joiner is invisible and keeps `@` and the name on one
 * line. An `@` after a word character (an e-mail address) is no mention on either host: left alone.
 */
const MENTION = /(?<![\p{L}\p{N}_])@(?=[\p{L}\p{N}_.-])/gu;

/** GitLab runs `/command` lines of a note written through the API (outside code blocks) as quick actions. */
const QUICK_ACTION = /^\/(?=\p{L})/gmu;

const WORD_JOINER = '\u2060';

export function neutralizeMentions(text: string): string {
  return text.replace(MENTION, `@${WORD_JOINER}`).replace(QUICK_ACTION, `${WORD_JOINER}/`);
}
