/** `--open`: asks the desktop to open a URL in the default browser; failure is only reported. */
import { spawn } from "node:child_process";

/** Tries to open `url`; resolves false (never throws) when no opener worked. */
export function openBrowser(url: string): Promise<boolean> {
  const [cmd, args] = process.platform === "darwin"
    ? ["open", [url]]
    : process.platform === "win32"
    ? ["cmd", ["/c", "start", "", url]]
    : ["xdg-open", [url]];
  return new Promise((resolve) => {
    try {
      const child = spawn(cmd, args as string[], { stdio: "ignore", detached: true });
      child.once("error", () => resolve(false));
      child.once("spawn", () => {
        child.unref();
        resolve(true);
      });
    } catch {
      resolve(false);
    }
  });
}
