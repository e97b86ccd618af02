import assert from 'node:assert/strict';
import { it } from 'node:test';
import { favouriteRefusal, requiredFavourite, type FavouriteCandidate } from './favourite.ts';

const a = (id: string, enabled = true, createdAt = `2026-01-0${id.charCodeAt(0) - 96}T00:00:00Z`): FavouriteCandidate => ({ id, enabled, createdAt });

it('keeps the chosen favourite while it is enabled and the user has it', () => {
  assert.equal(requiredFavourite('b', [a('a'), a('b'), a('c')]), 'b');
});

it('gives a user without favourite the oldest enabled action', () => {
  assert.equal(requiredFavourite(null, [a('b'), a('a'), a('c')]), 'a');
  assert.equal(requiredFavourite(null, [a('a', false), a('b'), a('c')]), 'b');
});

it('moves the favourite when it is disabled or gone', () => {
  assert.equal(requiredFavourite('a', [a('a', false), a('b'), a('c')]), 'b');
  assert.equal(requiredFavourite('x', [a('b'), a('c')]), 'b');
});

it('leaves no favourite when no action is enabled', () => {
  assert.equal(requiredFavourite('a', [a('a', false)]), null);
  assert.equal(requiredFavourite(null, []), null);
});

it('breaks a tie in creation time by id', () => {
  const t = '2026-01-01T00:00:00Z';
  assert.equal(requiredFavourite(null, [a('b', true, t), a('a', true, t)]), 'a');
});

it('refuses a disabled action or one the user does not have as favourite', () => {
  assert.equal(favouriteRefusal('a', [a('a')]), null);
  assert.match(favouriteRefusal('a', [a('a', false)])!, /disabled/);
  assert.match(favouriteRefusal('z', [a('a')])!, /not an action of this user/);
});
