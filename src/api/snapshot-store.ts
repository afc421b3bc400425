// The API's copy of the published documents, in memory: every one, but players' progress, of
// which it holds those recently read (progress-cache.ts). Loaded at start, then kept current by
// the worker's NOTIFY (with a periodic poll as the net under it). Each reload applies the rows of
// whole publishes in one synchronous step, so a request sees the documents before or after a
// publish, never a mix.
import { DIRTY_CHANNEL, SNAPSHOT_CHANNEL, type ChangeNotice, type PublishNotice } from '../core/channels.ts';
import type { Pool } from '../core/db.ts';
import {
  FORMAT_VERSION, docKeys, type DocumentKind, type HuntMode, type OwnContent, type ProgressFind, type RosterContent, type TeamContent,
} from '../core/documents.ts';
import type { Logger } from '../core/logger.ts';
import { NotificationListener } from '../core/notification-listener.ts';
import { ProgressCache, findsOf } from './progress-cache.ts';
import type { HuntUpdate, PublicDocumentName } from './event-streams.ts';
import { buildBoard, type ServedBoard } from './served-board.ts';
import { servedDocument, type DocumentRow, type ServedDocument } from './served-document.ts';

/** A find this process heard of (its own answer, or another process's NOTIFY) but whose progress is not published yet. */
export interface UnpublishedFind extends ProgressFind { handle: string; heardAt: number }

// How long a find may wait for its progress document before it is forgotten (a refresh is normally
// milliseconds away; this only bounds memory if one never comes).
const UNPUBLISHED_TTL_MS = 10 * 60_000;

/** Rows per round trip when loading (a chunk always ends at a publish boundary, so may hold more). */
const DEFAULT_LOAD_CHUNK_ROWS = 5000;

export interface StoreEvents {
  onNotice?: (notice: PublishNotice) => void;
  /** A publish announced by NOTIFY is now installed in memory. */
  onPublishInstalled?: (notice: PublishNotice) => void;
  /** Documents of these hunts were installed (after the first load), by slug. */
  onInstalled?: (updates: Map<string, HuntUpdate>) => void;
}

// Document kinds as event streams name them (own, book and roster are private: an own view that
// changed names its competitor instead).
const PUBLIC_NAMES: Partial<Record<DocumentKind, PublicDocumentName>> = {
  hunt: 'hunt', leaderboard: 'leaderboard', leaderboard_page: 'leaderboard', feed: 'feed', progress: 'progress', team: 'team', book: 'hunt',
};

/** Progress documents held by default (PROGRESS_CACHE_DOCUMENTS). */
export const DEFAULT_PROGRESS_CACHE_DOCUMENTS = 20_000;

export class SnapshotStore {
  /** Every published document but progress. */
  readonly documents = new Map<string, ServedDocument>();
  readonly progress: ProgressCache;
  readonly boards = new Map<string, ServedBoard>();
  /** By progress document key. */
  readonly unpublished = new Map<string, UnpublishedFind[]>();
  /** Hints paid for and not yet in a published private state, by its key (own view read-your-writes). */
  readonly unpublishedHints = new Map<string, { clueId: string; n: number; cost: number; heardAt: number }[]>();
  /** "slug:playerId" → a membership change heard of and not yet in a published team document. */
  private readonly pendingMembers = new Map<string, { teamId: string | null; teamName: string | null; heardAt: number }>();
  /** "slug:playerId" → the player's team, from the team documents held. */
  private readonly teamsByMember = new Map<string, string>();
  /** Each roster document's members (player id -> hidden team id), parsed once per version. */
  private readonly rosters = new WeakMap<ServedDocument, Map<string, string>>();
  loaded = false;
  databaseUp = false;
  lastSeq = 0;

  private readonly listener: NotificationListener;
  private readonly changes: NotificationListener;
  private pollTimer: NodeJS.Timeout | undefined;
  private announced: PublishNotice[] = [];
  private reloading: Promise<void> | undefined;
  private reloadAgain = false;
  private stopped = false;
  private readonly pool: Pool;
  private readonly pollIntervalMs: number;
  private readonly loadChunkRows: number;
  private readonly log: Logger;
  private readonly events: StoreEvents;

  constructor(opts: {
    pool: Pool; connectionString: string; pollIntervalMs: number; log: Logger; events?: StoreEvents; loadChunkRows?: number;
    progressCacheDocuments?: number;
  }) {
    this.pool = opts.pool;
    this.progress = new ProgressCache(opts.pool, opts.progressCacheDocuments ?? DEFAULT_PROGRESS_CACHE_DOCUMENTS);
    this.loadChunkRows = opts.loadChunkRows ?? DEFAULT_LOAD_CHUNK_ROWS;
    this.pollIntervalMs = opts.pollIntervalMs;
    this.log = opts.log;
    this.events = opts.events ?? {};
    this.listener = new NotificationListener({
      connectionString: opts.connectionString,
      channel: SNAPSHOT_CHANNEL,
      applicationName: 'api-snapshot-listener',
      log: opts.log,
      onNotification: (payload) => {
        if (payload) {
          try {
            const notice = JSON.parse(payload) as PublishNotice;
            this.events.onNotice?.(notice);
            // Already installed (a poll or an earlier reload got there first): it counts as of now.
            if (notice.seq > this.lastSeq) this.announced.push(notice);
            else this.events.onPublishInstalled?.(notice);
          } catch { /* not ours to judge */ }
        }
        void this.reload().catch(() => undefined);
      },
      // Catch up on whatever was published while we were not listening.
      onReconnect: () => void this.reload().catch(() => undefined),
      onConnectionLost: () => { this.databaseUp = false; },
    });
    // Other processes' answers, so a player's own progress shows a find wherever they read it.
    this.changes = new NotificationListener({
      connectionString: opts.connectionString,
      channel: DIRTY_CHANNEL,
      applicationName: 'api-change-listener',
      log: opts.log,
      onNotification: (payload) => {
        try {
          const notice = JSON.parse(payload ?? '') as ChangeNotice;
          if (notice.find) this.showFind(notice.find);
          if (notice.hint) this.showHint(notice.hint);
          if (notice.member) this.showMember(notice.member);
        } catch { /* not ours to judge */ }
      },
    });
  }

  /**
   * Shows a committed find in the player's progress (a team's find: in its own view) until a
   * published document includes it.
   */
  showFind(find: NonNullable<ChangeNotice['find']>): void {
    const key = find.teamId ? docKeys.team(find.hunt, find.teamId) : docKeys.progress(find.hunt, find.playerId);
    const foundAt = new Date(find.foundAt).toISOString();
    const held = find.teamId ? this.documents.get(key) : this.progress.peek(key);
    if (held?.body && findsOf(held.body.toString('utf8')).has(find.clueId)) return;
    const list = this.unpublished.get(key) ?? [];
    if (list.some((f) => f.clueId === find.clueId)) return;
    list.push({ clueId: find.clueId, foundAt, points: find.points, handle: find.handle, heardAt: Date.now() });
    this.unpublished.set(key, list);
  }

  /** Shows a hint paid for in its competitor's own view until their published state includes it. */
  showHint(hint: NonNullable<ChangeNotice['hint']>): void {
    const key = docKeys.own(hint.hunt, hint.competitorId);
    const held = this.progress.peek(key);
    if (held?.body && (JSON.parse(held.body.toString('utf8')) as OwnContent).hints.some(([c, n]) => c === hint.clueId && n === hint.n)) return;
    const list = this.unpublishedHints.get(key) ?? [];
    if (list.some((h) => h.clueId === hint.clueId && h.n === hint.n)) return;
    list.push({ clueId: hint.clueId, n: hint.n, cost: hint.cost, heardAt: Date.now() });
    this.unpublishedHints.set(key, list);
  }

  async start(): Promise<void> {
    // Listen before the first load, so nothing published in between is missed.
    await this.listener.start();
    await this.changes.start();
    await this.reload().catch(() => undefined);
    this.pollTimer = setInterval(() => void this.reload().catch(() => undefined), this.pollIntervalMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.pollTimer);
    await this.listener.stop();
    await this.changes.stop();
    await this.reloading?.catch(() => undefined);
  }

  get(key: string): ServedDocument | undefined {
    return this.documents.get(key);
  }

  /** Fetches everything published after what we have; concurrent calls coalesce into one more pass. */
  reload(): Promise<void> {
    if (this.reloading) {
      this.reloadAgain = true;
      return this.reloading;
    }
    this.reloading = (async () => {
      try {
        do {
          this.reloadAgain = false;
          await this.loadOnce();
        } while (this.reloadAgain && !this.stopped);
      } finally {
        this.reloading = undefined;
      }
    })();
    return this.reloading;
  }

  private async loadOnce(): Promise<void> {
    // In chunks of whole publishes, so the first load of a large data set never holds every row
    // as a JavaScript string at once (the process keeps the peak as its resident size).
    const updates = new Map<string, HuntUpdate>();
    for (;;) {
      let rows: (DocumentRow & { omitted: boolean })[];
      try {
        // One round trip: the chunk's last publish (the seq of its row number loadChunkRows + 1, if
        // there is one) found by a subquery in the same statement.
        // Progress bodies are left out of the first load: nothing is held before the first read,
        // and 100,000 of them read only to be dropped would set the process's resident size.
        const result = await this.pool.query<DocumentRow & { omitted: boolean }>({ name: 'load-documents', text:
          `select doc_key, kind, version, generated_at, published_seq,
                  case when $4 or kind not in ('progress', 'own') then body end as body,
                  not $4 and kind in ('progress', 'own') as omitted
             from snapshot_documents
            where format_version = $1 and published_seq > $2
              and published_seq <= coalesce((select published_seq from snapshot_documents
                                              where format_version = $1 and published_seq > $2
                                              order by published_seq offset $3 limit 1), 9223372036854775807)
            order by published_seq`,
          values: [FORMAT_VERSION, this.lastSeq, this.loadChunkRows, this.loaded] });
        rows = result.rows;
      } catch (err) {
        if (this.databaseUp) this.log.warn('snapshot reload failed; serving what is in memory', { err });
        this.databaseUp = false;
        throw err;
      }
      this.databaseUp = true;
      // Install synchronously: no request can run between two rows of one publish.
      const boards = new Set<string>();
      for (const row of rows) if (!row.omitted) this.install(row, boards);
      for (const key of boards) this.assemble(key);
      if (this.loaded && this.events.onInstalled) collectUpdates(rows, updates);
      if (rows.length > 0) this.lastSeq = rows[rows.length - 1]!.published_seq;
      if (rows.length <= this.loadChunkRows) break;
    }
    this.forgetStaleFinds();
    if (updates.size > 0) {
      for (const [slug, update] of updates) update.frozen = this.boards.get(docKeys.leaderboard(slug))?.frozen ?? false;
      this.events.onInstalled?.(updates);
    }
    this.loaded = true;
    if (this.announced.length > 0) {
      const installed = this.announced.filter((n) => n.seq <= this.lastSeq);
      this.announced = this.announced.filter((n) => n.seq > this.lastSeq);
      for (const notice of installed) this.events.onPublishInstalled?.(notice);
    }
  }

  private install(row: DocumentRow, boards: Set<string>): void {
    // A competitor's private state is held like progress: for those who read it.
    if (row.kind === 'own') {
      const waiting = this.unpublishedHints.get(row.doc_key);
      if (waiting) {
        const published = row.body === null ? [] : (JSON.parse(row.body) as OwnContent).hints;
        const rest = waiting.filter((h) => !published.some(([c, n]) => c === h.clueId && n === h.n));
        if (rest.length > 0) this.unpublishedHints.set(row.doc_key, rest);
        else this.unpublishedHints.delete(row.doc_key);
      }
      this.progress.published(row, waiting !== undefined);
      return;
    }
    if (row.kind === 'team') this.clearPublishedFinds(row);
    if (row.kind === 'progress') {
      // Finds heard of before their publish are shown until a publish includes them.
      const waiting = this.unpublished.get(row.doc_key);
      if (waiting) {
        const published = row.body === null ? new Set<string>() : findsOf(row.body);
        const rest = waiting.filter((f) => !published.has(f.clueId));
        if (rest.length > 0) this.unpublished.set(row.doc_key, rest);
        else this.unpublished.delete(row.doc_key);
      }
      this.progress.published(row, waiting !== undefined);
      return;
    }
    if (row.kind === 'leaderboard' || row.kind === 'leaderboard_page') {
      boards.add(row.kind === 'leaderboard' ? row.doc_key : row.doc_key.slice(0, row.doc_key.lastIndexOf(':page:')));
    }
    if (row.kind === 'team') this.indexMembers(row);
    if (row.body === null) this.documents.delete(row.doc_key);
    else this.documents.set(row.doc_key, servedDocument(row as DocumentRow & { body: string }));
  }

  private clearPublishedFinds(row: DocumentRow): void {
    const waiting = this.unpublished.get(row.doc_key);
    if (!waiting) return;
    const published = row.body === null ? new Set<string>() : findsOf(row.body);
    const rest = waiting.filter((f) => !published.has(f.clueId));
    if (rest.length > 0) this.unpublished.set(row.doc_key, rest);
    else this.unpublished.delete(row.doc_key);
  }

  /** A published hunt's mode, or undefined for a hunt not published. */
  huntMode(slug: string): HuntMode | undefined {
    const detail = this.documents.get(docKeys.hunt(slug));
    if (!detail) return undefined;
    // Cheaper than parsing the detail on every read: the worker writes its mode right after the slug.
    return detail.body.subarray(0, 128).includes('"mode":"team"') ? 'team' : 'solo';
  }

  /** The team of a player in a team hunt, from the team documents held (undefined: in none). */
  teamOf(slug: string, playerId: string): string | undefined {
    const pending = this.pendingMembers.get(`${slug}:${playerId}`);
    if (pending) return pending.teamId ?? undefined;
    return this.teamsByMember.get(`${slug}:${playerId}`);
  }

  /**
   * The hidden team of a player (the private roster: its public document is withdrawn), for the
   * player's own view only; undefined when in none.
   */
  hiddenTeamOf(slug: string, playerId: string): string | undefined {
    const doc = this.documents.get(docKeys.roster(slug));
    if (!doc) return undefined;
    let members = this.rosters.get(doc);
    if (!members) {
      members = new Map((JSON.parse(doc.body.toString('utf8')) as RosterContent).hidden);
      this.rosters.set(doc, members);
    }
    return members.get(playerId);
  }

  /** Shows a membership change at once, until a published team document agrees with it. */
  showMember(member: NonNullable<ChangeNotice['member']>): void {
    this.pendingMembers.set(`${member.hunt}:${member.playerId}`, { teamId: member.teamId, teamName: member.teamName, heardAt: Date.now() });
  }

  /** The name of the team a pending membership change put the player in, if any. */
  pendingTeamName(slug: string, playerId: string): string | undefined {
    return this.pendingMembers.get(`${slug}:${playerId}`)?.teamName ?? undefined;
  }

  /** Keeps teamsByMember in step with a team document: its old members out, its new ones in. */
  private indexMembers(row: DocumentRow): void {
    const slug = row.doc_key.slice('team:'.length, row.doc_key.lastIndexOf(':'));
    const teamId = row.doc_key.slice(row.doc_key.lastIndexOf(':') + 1);
    const old = this.documents.get(row.doc_key);
    if (old) for (const m of (JSON.parse(old.body.toString('utf8')) as TeamContent).members) {
      if (this.teamsByMember.get(`${slug}:${m.playerId}`) === teamId) this.teamsByMember.delete(`${slug}:${m.playerId}`);
    }
    if (row.body !== null) for (const m of (JSON.parse(row.body) as TeamContent).members) this.teamsByMember.set(`${slug}:${m.playerId}`, teamId);
    // Pending changes this document agrees with are published now.
    for (const [key, pending] of this.pendingMembers) {
      if (!key.startsWith(`${slug}:`)) continue;
      if ((this.teamsByMember.get(key) ?? null) === pending.teamId) this.pendingMembers.delete(key);
    }
  }

  /** Rebuilds a board whose head or pages this reload changed. */
  private assemble(key: string): void {
    const head = this.documents.get(key);
    if (!head) {
      this.boards.delete(key);
      return;
    }
    this.boards.set(key, buildBoard(head, this.documents, this.boards.get(key)));
  }

  private forgetStaleFinds(): void {
    const before = Date.now() - UNPUBLISHED_TTL_MS;
    for (const [key, finds] of this.unpublished) {
      if (finds.every((f) => f.heardAt < before)) this.unpublished.delete(key);
    }
    for (const [key, pending] of this.pendingMembers) if (pending.heardAt < before) this.pendingMembers.delete(key);
    for (const [key, hints] of this.unpublishedHints) {
      if (hints.every((h) => h.heardAt < before)) this.unpublishedHints.delete(key);
    }
  }
}

/** What the rows of a reload changed, per hunt, as event streams tell it (event-streams.ts). */
function collectUpdates(rows: DocumentRow[], updates: Map<string, HuntUpdate>): void {
  for (const row of rows) {
    // Keys are kind:slug[:...]; slugs hold no colon.
    const [, slug, id] = row.doc_key.split(':');
    if (slug === undefined) continue; // the hunts index
    let update = updates.get(slug);
    if (!update) {
      update = { seq: 0, documents: new Set(), competitors: new Set(), frozen: false };
      updates.set(slug, update);
    }
    update.seq = Math.max(update.seq, Number(row.published_seq));
    const name = PUBLIC_NAMES[row.kind];
    if (name) update.documents.add(name);
    // A withdrawn document (a hidden competitor's) names nobody.
    if ((row.kind === 'progress' || row.kind === 'team' || row.kind === 'own') && id !== undefined && row.body !== null) update.competitors.add(id);
  }
}
