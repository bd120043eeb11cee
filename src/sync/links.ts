import type { Entry } from '../tree/tree.js';

interface Leader {
  readonly path: string;
  /** The replica's `dev:ino` of the leader's path, when it is a file with other names there. */
  readonly replicaLink: string | undefined;
  /** The leader gets a new inode this cycle (created or rewritten): every other name is linked again. */
  readonly renewed: boolean;
}

/**
 * Hard-link groups of the source, seen in walk order: the first name of a file with several
 * names leads and is copied as usual; each later name is a hard link to the leader's replica
 * path, unless the replica already has it as a name of that same inode.
 */
export class LinkGroups {
  readonly #leaders = new Map<string, Leader>();

  /** The leader of the group `s` belongs to, when `s` is not its first name. */
  leaderOf(s: Entry): Leader | undefined {
    return s.link === undefined ? undefined : this.#leaders.get(s.link);
  }

  /** Records `s` as the first name of its group. */
  lead(s: Entry, replica: Entry | undefined, renewed: boolean): void {
    if (s.link !== undefined) this.#leaders.set(s.link, { path: s.path, replicaLink: replica?.link, renewed });
  }

  /** Whether the replica's `r` is already a name of the leader's replica inode. */
  static linked(leader: Leader, r: Entry): boolean {
    return !leader.renewed && r.link !== undefined && r.link === leader.replicaLink;
  }
}
