/** ASTERISK_NODES and ASTERISK_AMI_NODES (issue 19). */
import { describe, expect, it } from 'vitest';
import { NodeSettingsError, nodesFromEnv } from '../src/asterisk/node-settings.js';

const problemsOf = (env: NodeJS.ProcessEnv): readonly string[] => {
  try {
    nodesFromEnv(env);
  } catch (e) {
    if (e instanceof NodeSettingsError) return e.problems;
    throw e;
  }
  return [];
};

describe('nodesFromEnv', () => {
  it('without ASTERISK_NODES there is one Asterisk, as before', () => {
    expect(nodesFromEnv({})).toBeNull();
    expect(nodesFromEnv({ ASTERISK_NODES: '  ' })).toBeNull();
  });

  it('reads the nodes, and each node\'s AMI when ASTERISK_AMI_NODES names it (port 5038 by default)', () => {
    expect(nodesFromEnv({ ASTERISK_NODES: 'a=http://127.0.0.2:8088, b=http://127.0.0.3:8088/', ASTERISK_AMI_NODES: 'a=127.0.0.2:5038,b=127.0.0.3' })).toEqual([
      { name: 'a', ariUrl: 'http://127.0.0.2:8088', ami: { host: '127.0.0.2', port: 5038 } },
      { name: 'b', ariUrl: 'http://127.0.0.3:8088', ami: { host: '127.0.0.3', port: 5038 } },
    ]);
    expect(nodesFromEnv({ ASTERISK_NODES: 'a=http://127.0.0.2:8088' })).toEqual([{ name: 'a', ariUrl: 'http://127.0.0.2:8088', ami: null }]);
  });

  it.each([
    [{ ASTERISK_NODES: 'a=http://127.0.0.2:8088,B=http://127.0.0.3:8088' }, 'ASTERISK_NODES: "B=http://127.0.0.3:8088" is not <node>=<address>'],
    [{ ASTERISK_NODES: 'http://127.0.0.2:8088' }, 'ASTERISK_NODES: "http://127.0.0.2:8088" is not <node>=<address>'],
    [{ ASTERISK_NODES: 'a=127.0.0.2:8088' }, "ASTERISK_NODES node a: '127.0.0.2:8088' is not"],
    [{ ASTERISK_NODES: 'a=ftp://127.0.0.2:8088' }, "ASTERISK_NODES node a: 'ftp://127.0.0.2:8088' is not http:// or https://"],
    [{ ASTERISK_NODES: 'a=http://127.0.0.2:8088,a=http://127.0.0.3:8088' }, 'ASTERISK_NODES: node a is listed twice'],
    [{ ASTERISK_NODES: 'a=http://127.0.0.2:8088,b=http://127.0.0.2:8088' }, 'ASTERISK_NODES: nodes a and b share http://127.0.0.2:8088'],
    [{ ASTERISK_NODES: 'a=http://router:pw@127.0.0.2:8088' }, 'ASTERISK_NODES node a: no user or password in the URL'],
    [{ ASTERISK_NODES: ',' }, 'ASTERISK_NODES is set but names no node'],
    [{ ASTERISK_NODES: 'a=http://127.0.0.2:8088', ASTERISK_AMI_NODES: 'c=127.0.0.4:5038' }, 'ASTERISK_AMI_NODES names node c, which ASTERISK_NODES does not (a)'],
    [{ ASTERISK_NODES: 'a=http://127.0.0.2:8088', ASTERISK_AMI_NODES: 'a=127.0.0.2:99999' }, 'ASTERISK_AMI_NODES node a: "127.0.0.2:99999" is not <host>[:<port>]'],
    [{ ASTERISK_AMI_NODES: 'a=127.0.0.2:5038' }, 'ASTERISK_AMI_NODES is set but ASTERISK_NODES is not'],
  ])('%j: %s', (env, problem) => {
    expect(problemsOf(env).some((p) => p.startsWith(problem))).toBe(true);
  });

  it('says every problem at once, and never a password', () => {
    const problems = problemsOf({ ASTERISK_NODES: 'A=http://x:secret@127.0.0.2:8088,b=ftp://127.0.0.3', ASTERISK_AMI_NODES: 'b=:5038' });
    expect(problems).toHaveLength(3);
    expect(problems.join('\n')).not.toContain('secret');
  });
});
