/**
 * A sosreport as netaudit reads it: a tree of files addressed by their path inside the report
 * (`sos_commands/networking/ip_-o_addr`), whether it sits extracted on disk or inside an archive.
 * A symlink is followed only where it leads to another place inside the report; one that leads out of
 * it (an absolute target, or enough `..`) is refused with its name and target, and nothing is read there.
 */
export interface SosTree {
  /** How messages name the sosreport: the path as given. */
  readonly label: string;
  /** The names in a directory of the report ('' is its top), undefined when there is no such directory. */
  list(dir: string): Promise<string[] | undefined>;
  /** A file's bytes, undefined when the report has no such file. */
  read(file: string): Promise<Buffer | undefined>;
}

/** Symlinks followed in a row before a path counts as a loop (the kernel's limit). */
export const MAX_SYMLINK_HOPS = 40;

export function joinPath(dir: string, name: string): string {
  return dir === '' ? name : `${dir}/${name}`;
}
