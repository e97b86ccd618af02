import assert from 'node:assert/strict';
import { it } from 'node:test';
import { SignInLimiter } from './sign-in-limiter.ts';

it('blocks an account after its failures until the window ends, and a success clears only the account', () => {
  const limiter = new SignInLimiter({ windowMs: 60_000, perAccount: 3, perAddress: 5 });
  const t0 = 1_000_000;
  for (let i = 0; i < 3; i++) {
    assert.equal(limiter.retryAfter('anna', `10.0.0.${i}`, t0), 0);
    limiter.failed('anna', `10.0.0.${i}`, t0);
  }
  assert.equal(limiter.retryAfter('anna', '10.9.9.9', t0 + 1000), 59);
  assert.equal(limiter.retryAfter('ben', '10.9.9.9', t0 + 1000), 0, 'other accounts are free');
  assert.equal(limiter.retryAfter('anna', '10.9.9.9', t0 + 60_000), 0, 'the window ended');
  limiter.failed('anna', '10.0.0.1', t0);
  limiter.succeeded('anna');
  assert.equal(limiter.retryAfter('anna', '10.0.0.7', t0), 0);
});

it('blocks an address spraying many accounts', () => {
  const limiter = new SignInLimiter({ windowMs: 60_000, perAccount: 3, perAddress: 5 });
  for (let i = 0; i < 5; i++) limiter.failed(`user${i}`, '10.6.6.6', 0);
  assert.ok(limiter.retryAfter('someone-else', '10.6.6.6', 10) > 0);
  limiter.succeeded('someone-else');
  assert.ok(limiter.retryAfter('someone-else', '10.6.6.6', 10) > 0, 'a success does not reset the address');
  assert.equal(limiter.retryAfter('someone-else', '10.7.7.7', 10), 0);
});
