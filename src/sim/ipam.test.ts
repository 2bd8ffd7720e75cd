import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PodIPPool, nodeIPFor, podCIDRFor } from './ipam.js';

describe('sim ipam', () => {
  it('gives node i the i-th /24 from 10.42.0.0 and a fake InternalIP', () => {
    assert.equal(podCIDRFor(0), '10.42.0.0/24');
    assert.equal(podCIDRFor(255), '10.42.255.0/24');
    assert.equal(podCIDRFor(256), '10.43.0.0/24');
    assert.equal(podCIDRFor(4999), '10.61.135.0/24');
    assert.equal(nodeIPFor(0), '172.16.0.10');
    assert.equal(nodeIPFor(4999), '172.16.19.145');
  });

  it('allocates .2-.254, keeps an owner its IP, reuses released ones, reports full', () => {
    const p = new PodIPPool('10.42.7.0/24');
    assert.equal(p.allocate('a'), '10.42.7.2');
    assert.equal(p.allocate('b'), '10.42.7.3');
    assert.equal(p.allocate('a'), '10.42.7.2');
    p.release('a');
    for (let i = 0; i < 252; i++) assert.ok(p.allocate(`x${i}`));
    assert.equal(p.size, 253);
    assert.equal(p.allocate('overflow'), undefined);
    p.release('x5');
    assert.ok(p.allocate('overflow'));
  });

  it('adopts existing IPs inside its /24 only, once per address', () => {
    const p = new PodIPPool('10.42.1.0/24');
    assert.equal(p.adopt('a', '10.42.1.9'), true);
    assert.equal(p.adopt('a', '10.42.1.9'), true);
    assert.equal(p.adopt('b', '10.42.1.9'), false, 'taken');
    assert.equal(p.adopt('c', '10.42.2.9'), false, 'other node');
    assert.equal(p.adopt('d', '10.42.1.255'), false, 'broadcast');
    assert.equal(p.contains('10.42.1.77'), true);
    assert.throws(() => new PodIPPool('10.42.1.0/16'));
  });
});
