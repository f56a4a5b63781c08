/**
 * Which lines of a function's output a quiet runtime still prints: its warnings and errors.
 * A delivery the fan-out gave up on is a WARN line of the function's logger; hiding it with
 * the info lines would make an overloaded local runtime lose messages without a word.
 *
 * Lambda's Node.js runtime sends both streams to CloudWatch; what marks a line's level is
 * its shape: Powertools (and most JSON loggers) write `"level":"WARN"` on stdout, the
 * runtime's own console writes `<time>\t<request id>\tWARN\t...`, and Node writes its
 * warnings and uncaught errors to stderr, as `console.warn`/`console.error` do.
 */
const JSON_LEVEL = /"(?:level|severity)"\s*:\s*"(WARN|WARNING|ERROR|CRITICAL|FATAL)"/i;
const CONSOLE_LEVEL = /^\S+\t\S+\t(WARN|ERROR|FATAL)\t/;

export function isWarningOrError(line: string, stream: 'stdout' | 'stderr'): boolean {
  return stream === 'stderr' || JSON_LEVEL.test(line) || CONSOLE_LEVEL.test(line);
}
