// Building blocks for tests: hunts, players and answers made through the public API.
import { expect } from 'chai';
import { ADMIN_TOKEN } from './engine.ts';
import type { Client } from './client.ts';

export interface ClueSpec { title?: string; body?: string; points?: number; answers: string[] }

export async function createHunt(client: Client, slug: string, clues: ClueSpec[], extra: Record<string, unknown> = {}) {
  const res = await client.post('/v1/admin/hunts', {
    slug, title: `Hunt ${slug}`, status: 'live',
    clues: clues.map((c, i) => ({ title: c.title ?? `Clue ${i + 1}`, body: c.body ?? `Body ${i + 1}`, points: c.points ?? 10, answers: c.answers })),
    ...extra,
  }, { token: ADMIN_TOKEN });
  expect(res.status, res.text).to.equal(201);
  return res.body as { slug: string; clues: { id: string; position: number }[] };
}

export async function registerPlayer(client: Client, handle: string) {
  const res = await client.post('/v1/players', { handle });
  expect(res.status, res.text).to.equal(201);
  return res.body as { id: string; handle: string; token: string };
}

export async function answer(client: Client, slug: string, clueId: string, token: string, text: string) {
  return client.post(`/v1/hunts/${slug}/clues/${clueId}/answers`, { answer: text }, { token });
}
