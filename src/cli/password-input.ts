import { CommandFailedError, type CommandIo, UsageError } from "./io.js";

/** The bounds `hashPassword` enforces, checked first so the user gets a plain message. */
const MIN_LENGTH = 8;
const MAX_LENGTH = 1024;

/**
 * Read a new password for `username`: one line of stdin with `fromStdin`, else asked
 * twice at the terminal without echo. Refuses, before anything is stored, passwords that
 * are empty, shorter than 8 or longer than 1024 characters, or typed differently twice.
 *
 * @example
 * const password = await readNewPassword(io, values["password-stdin"] === true, "alice");
 */
export async function readNewPassword(
  io: CommandIo,
  fromStdin: boolean,
  username: string,
): Promise<string> {
  if (fromStdin) return checked(await readLine(io.stdin));
  if (!io.stdin.isTTY || !io.stdin.setRawMode)
    throw new UsageError(
      "stdin is not a terminal, so the password cannot be asked for: pass --password-stdin " +
        "and write it as one line to stdin",
    );
  const password = checked(await askHidden(io, `New password for ${username}: `));
  const again = await askHidden(io, "Repeat the password: ");
  if (again !== password) throw new CommandFailedError("The passwords do not match; try again");
  return password;
}

function checked(password: string): string {
  if (password === "") throw new CommandFailedError("The password is empty");
  if (password.length < MIN_LENGTH)
    throw new CommandFailedError(
      `The password is too short: use at least ${MIN_LENGTH} characters`,
    );
  if (password.length > MAX_LENGTH)
    throw new CommandFailedError(`The password is too long: use at most ${MAX_LENGTH} characters`);
  return password;
}

/** The first line of `stdin`, without its line ending. */
async function readLine(stdin: CommandIo["stdin"]): Promise<string> {
  stdin.setEncoding("utf8");
  let text = "";
  for await (const chunk of stdin) {
    text += chunk as string;
    const end = text.indexOf("\n");
    if (end !== -1) {
      text = text.slice(0, end);
      break;
    }
  }
  return text.endsWith("\r") ? text.slice(0, -1) : text;
}

/** Ask at the terminal with echo off; the answer ends at Enter, Ctrl-C or Ctrl-D cancel. */
function askHidden(io: CommandIo, question: string): Promise<string> {
  const { stdin } = io;
  return new Promise((resolve, reject) => {
    let answer: string[] = [];
    const onData = (chunk: string) => {
      const chars = Array.from(chunk);
      for (const [index, char] of chars.entries()) {
        if (char === "\r" || char === "\n") {
          // Keys typed ahead (or a pasted second answer) belong to the next question.
          const rest = chars.slice(index + 1).join("");
          finish();
          if (rest) stdin.unshift(rest);
          return resolve(answer.join(""));
        }
        if (char === "\u0003" || char === "\u0004") {
          finish();
          return reject(new CommandFailedError("Cancelled"));
        }
        if (char === "\u007f" || char === "\b") answer.pop();
        else if (char === "\u0015") answer = [];
        else if (char >= " ") answer.push(char);
      }
    };
    const finish = () => {
      stdin.off("data", onData);
      stdin.setRawMode?.(false);
      stdin.pause();
      io.stderr.write("\n");
    };
    stdin.setEncoding("utf8");
    // Echo goes off before the question appears, so no key typed after it is ever shown.
    stdin.setRawMode?.(true);
    io.stderr.write(question);
    stdin.on("data", onData);
    stdin.resume();
  });
}
