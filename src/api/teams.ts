// Teams of a team hunt: creating one (its creator is its first member), joining by code, leaving,
// and an organiser removing a member. A team is the hunt's competitor (a competitors row from its
// creation); each membership change is a 'membership' change row for it, so the worker republishes
// the team's document, its leaderboard entry (memberCount) and the hunt's playerCount.
import { randomInt } from 'node:crypto';
import { maybeOne, withTransaction, type Client, type Pool } from '../core/db.ts';
import type { ChangeNotice } from '../core/channels.ts';
import { announceChanges } from '../core/dirty.ts';
import { ApiError, notFound } from './api-error.ts';

// Easy to read aloud and type on a phone: no 0/O, 1/I/L.
const CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
const CODE_LENGTH = 8;

function newJoinCode(): string {
  let code = '';
  for (let i = 0; i < CODE_LENGTH; i++) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return code;
}

/** A join code as typed: any case, spaces and dashes ignored. */
export const normalizeJoinCode = (typed: string) => typed.toUpperCase().replace(/[\s-]/g, '');

interface TeamHunt { id: string; max_team_size: number }

/** The team hunt of a slug, locked against deletion: 404 for none (or a draft), 409 for a solo hunt. */
async function teamHunt(tx: Client, slug: string): Promise<TeamHunt> {
  const hunt = await maybeOne<{ id: string; mode: string; status: string; max_team_size: number | null }>(tx,
    'select id, mode, status, max_team_size from hunts where slug = $1 for key share', [slug]);
  if (!hunt || hunt.status === 'draft') throw notFound('hunt');
  if (hunt.mode !== 'team') throw new ApiError(409, 'not_team_hunt', 'this hunt is played solo: it has no teams');
  return { id: hunt.id, max_team_size: hunt.max_team_size! };
}

async function membershipChanged(tx: Client, huntId: string, teamId: string): Promise<void> {
  await tx.query(`insert into read_model_changes (hunt_id, competitor_id, kind) values ($1, $2, 'membership')`, [huntId, teamId]);
}

async function refuseIfInTeam(tx: Client, huntId: string, playerId: string): Promise<void> {
  const current = await maybeOne(tx, 'select 1 from team_members where hunt_id = $1 and player_id = $2', [huntId, playerId]);
  if (current) throw new ApiError(409, 'already_in_team', 'you are already in a team of this hunt; leave it first');
}

/** A membership change as announced to every API process (and shown at once by this one). */
export type MemberNotice = NonNullable<ChangeNotice['member']>;
type Show = (member: MemberNotice) => void;

export async function createTeam(pool: Pool, slug: string, playerId: string, name: string, show: Show) {
  const team = await withTransaction(pool, async (tx) => {
    const hunt = await teamHunt(tx, slug);
    await refuseIfInTeam(tx, hunt.id, playerId);
    // A name taken in this hunt (in any case) fails with teams_name_per_hunt: 409 team_name_taken
    // (api-error.ts); a code taken anywhere (1 in 31^8 per team) fails the request, never a join.
    const created = (await tx.query<{ id: string; name: string; join_code: string }>(
      'insert into teams (hunt_id, name, join_code) values ($1, $2, $3) returning id, name, join_code',
      [hunt.id, name, newJoinCode()])).rows[0]!;
    await tx.query('insert into competitors (hunt_id, competitor_id, name) values ($1, $2, $3)', [hunt.id, created.id, created.name]);
    await tx.query('insert into team_members (hunt_id, player_id, team_id) values ($1, $2, $3)', [hunt.id, playerId, created.id]);
    await membershipChanged(tx, hunt.id, created.id);
    return { huntId: hunt.id, id: created.id, name: created.name, joinCode: created.join_code };
  });
  await announce(pool, team.huntId, { hunt: slug, playerId, teamId: team.id, teamName: team.name }, show);
  return { id: team.id, name: team.name, joinCode: team.joinCode };
}

export async function joinTeam(pool: Pool, slug: string, playerId: string, joinCode: string, show: Show) {
  const team = await withTransaction(pool, async (tx) => {
    const hunt = await teamHunt(tx, slug);
    // The team's row is locked while its members are counted: two players taking the last seat
    // at once are counted one after the other.
    const found = await maybeOne<{ id: string; name: string }>(tx,
      'select id, name from teams where hunt_id = $1 and join_code = $2 for update', [hunt.id, normalizeJoinCode(joinCode)]);
    if (!found) throw notFound('team');
    await refuseIfInTeam(tx, hunt.id, playerId);
    const { n } = (await tx.query<{ n: number }>('select count(*)::int as n from team_members where team_id = $1', [found.id])).rows[0]!;
    if (n >= hunt.max_team_size) throw new ApiError(409, 'team_full', `this team already has ${hunt.max_team_size} members, the most this hunt allows`);
    await tx.query('insert into team_members (hunt_id, player_id, team_id) values ($1, $2, $3)', [hunt.id, playerId, found.id]);
    await membershipChanged(tx, hunt.id, found.id);
    return { huntId: hunt.id, id: found.id, name: found.name };
  });
  await announce(pool, team.huntId, { hunt: slug, playerId, teamId: team.id, teamName: team.name }, show);
  return { id: team.id, name: team.name };
}

/** The player leaves their team of the hunt (finds already made stay with the team). */
export async function leaveTeam(pool: Pool, slug: string, playerId: string, show: Show): Promise<void> {
  const huntId = await withTransaction(pool, async (tx) => {
    const hunt = await teamHunt(tx, slug);
    const left = await maybeOne<{ team_id: string }>(tx,
      'delete from team_members where hunt_id = $1 and player_id = $2 returning team_id', [hunt.id, playerId]);
    if (!left) throw new ApiError(409, 'team_required', 'you are in no team of this hunt');
    await membershipChanged(tx, hunt.id, left.team_id);
    return hunt.id;
  });
  await announce(pool, huntId, { hunt: slug, playerId, teamId: null, teamName: null }, show);
}

/** An organiser removes a member: 404 for an unknown hunt, team or member. */
export async function removeMember(pool: Pool, slug: string, teamId: string, playerId: string, show: Show): Promise<void> {
  const huntId = await withTransaction(pool, async (tx) => {
    const hunt = await maybeOne<{ id: string }>(tx, 'select id from hunts where slug = $1 for key share', [slug]);
    if (!hunt) throw notFound('hunt');
    const removed = await maybeOne(tx,
      'delete from team_members where hunt_id = $1 and team_id = $2 and player_id = $3 returning 1', [hunt.id, teamId, playerId]);
    if (!removed) throw notFound('member');
    await membershipChanged(tx, hunt.id, teamId);
    return hunt.id;
  }, { lockTimeoutMs: 2000 });
  await announce(pool, huntId, { hunt: slug, playerId, teamId: null, teamName: null }, show);
}

/**
 * After the commit: this process shows the membership at once, the others from the NOTIFY, and the
 * worker refreshes (its sweep finds the change row anyway).
 */
async function announce(pool: Pool, huntId: string, member: MemberNotice, show: Show): Promise<void> {
  show(member);
  await announceChanges(pool, [{ huntId, member }]).catch(() => undefined);
}
