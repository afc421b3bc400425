// Turns one hunt's read-model rows into the content of its documents. Pure: same rows, same
// documents, whichever path (per-hunt refresh or full rebuild) read them.
import {
  docKeys, toTimestamp,
  type DocumentKind, type HuntDetailContent, type HuntsIndexContent, type LeaderboardContent, type ProgressContent,
} from '../core/documents.ts';
import type { HuntRows, HuntRow } from './read-model-rows.ts';

export interface DocumentDraft {
  key: string;
  kind: DocumentKind;
  content: object;
}

export interface HuntDocuments {
  detail: DocumentDraft;
  leaderboard: DocumentDraft & { content: LeaderboardContent };
  progress: DocumentDraft[];
}

export function buildHuntDocuments(rows: HuntRows): HuntDocuments {
  const { hunt, clues, summary, standings, finds } = rows;
  const detail: HuntDetailContent = {
    slug: hunt.slug,
    title: hunt.title,
    description: hunt.description,
    status: hunt.status,
    startsAt: toTimestamp(hunt.starts_at),
    endsAt: toTimestamp(hunt.ends_at),
    clueCount: summary.clue_count,
    playerCount: summary.player_count,
    findCount: summary.find_count,
    clues: clues.map((c) => ({
      id: c.id,
      position: c.position,
      title: c.title,
      body: c.body,
      points: c.points,
      solveCount: c.solve_count,
      firstFinder: c.first_player_id && c.first_handle && c.first_found_at
        ? { playerId: c.first_player_id, handle: c.first_handle, foundAt: c.first_found_at.toISOString() }
        : null,
    })),
  };

  const leaderboard: LeaderboardContent = {
    hunt: hunt.slug,
    entries: standings.map((s) => ({
      rank: s.rank,
      playerId: s.player_id,
      handle: s.handle,
      points: s.points,
      cluesFound: s.clues_found,
      lastFindAt: s.last_event_at.toISOString(),
    })),
    total: standings.length,
  };

  const standingByPlayer = new Map(standings.map((s) => [s.player_id, s]));
  const progress: DocumentDraft[] = finds.map((row) => {
    const own = JSON.parse(row.finds) as [clueId: string, foundAtMs: number, points: number][];
    const standing = standingByPlayer.get(row.player_id);
    const content: ProgressContent = {
      playerId: row.player_id,
      handle: row.handle,
      rank: standing?.rank ?? null,
      // A hidden player is not ranked but still sees their own points.
      points: standing?.points ?? own.reduce((sum, [, , points]) => sum + points, 0),
      cluesFound: own.length,
      finds: own.map(([clueId, foundAtMs, points]) => ({ clueId, foundAt: new Date(foundAtMs).toISOString(), points })),
    };
    return { key: docKeys.progress(hunt.slug, row.player_id), kind: 'progress', content };
  });

  return {
    detail: { key: docKeys.hunt(hunt.slug), kind: 'hunt', content: detail },
    leaderboard: { key: docKeys.leaderboard(hunt.slug), kind: 'leaderboard', content: leaderboard },
    progress,
  };
}

export interface IndexRow extends Pick<HuntRow, 'slug' | 'title' | 'status' | 'starts_at' | 'ends_at'> {
  clue_count: number; player_count: number;
}

export function buildHuntsIndex(rows: IndexRow[]): DocumentDraft {
  const content: HuntsIndexContent = {
    hunts: rows.map((r) => ({
      slug: r.slug, title: r.title, status: r.status,
      startsAt: toTimestamp(r.starts_at), endsAt: toTimestamp(r.ends_at),
      clueCount: r.clue_count, playerCount: r.player_count,
    })),
  };
  return { key: docKeys.huntsIndex(), kind: 'hunts', content };
}
