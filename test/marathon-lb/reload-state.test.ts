import { describe, expect, it } from 'vitest';
import { carriedState, droppedServers } from '../../plugins/marathon-lb/haproxy.js';

const config = (servers: Record<string, string[]>) =>
  Object.entries(servers)
    .map(([b, list]) =>
      [`backend ${b}`, '  balance roundrobin', ...list.map((s) => `  server ${s} ${s}:1 check`)].join('\n'),
    )
    .join('\n\n');

describe('what a reload carries over, and what old workers must stop using', () => {
  it('the servers a new configuration dropped, per backend (old workers put them in maintenance)', () => {
    const before = config({ web_10000: ['a_1', 'b_2', 'c_3'], api_10001: ['a_1'] });
    const after = config({ web_10000: ['b_2', 'd_4'], api_10001: ['a_1'] });
    expect(droppedServers(before, after)).toEqual(['web_10000/a_1', 'web_10000/c_3']);
    expect(droppedServers(after, after)).toEqual([]);
  });

  it('server state goes to the next worker only for servers it keeps, without forced admin states', () => {
    const state = [
      '1',
      '# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state',
      '3 web_10000 1 a_1 127.0.1.1 2 1 1 1',
      '3 web_10000 2 b_2 127.0.1.2 0 0 1 1',
    ].join('\n');
    const kept = carriedState(state, config({ web_10000: ['b_2'] })).split('\n');
    expect(kept).toHaveLength(3);
    expect(kept[2].split(' ').slice(0, 7)).toEqual(['3', 'web_10000', '2', 'b_2', '127.0.1.2', '0', '0']);
  });
});
