/**
 * How a long command talks while it runs: `log` prints whole lines; `progress` rewrites one status
 * line in place on a terminal, and elsewhere (CI, a pipe) prints it at most every `everyMs`, so a log
 * file shows progress without a line per tick. `progress('')` ends the status line.
 */
export function liveOutput(everyMs = 5_000): {
  log: (line: string) => void;
  progress: (line: string) => void;
} {
  const tty = process.stdout.isTTY;
  let lastProgress = 0;
  return {
    log: (line) => {
      if (tty) process.stdout.write('\r\x1b[2K');
      console.log(line);
    },
    progress: (line) => {
      if (tty) process.stdout.write(`\r\x1b[2K${line}`);
      else if (line && Date.now() - lastProgress >= everyMs) {
        lastProgress = Date.now();
        console.log(line);
      }
    },
  };
}
