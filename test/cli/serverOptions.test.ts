/** The servers' options on the command line: --allow-host (repeatable, or comma-separated) and --max-clients. */
import { describe, expect, it } from 'vitest';
import { replayCommand } from '../../src/cli/commands/replay.ts';
import { tourCommand } from '../../src/cli/commands/tour.ts';
import { UsageError } from '../../src/cli/command.ts';

describe('--allow-host and --max-clients', () => {
  it('replay collects every --allow-host, each a comma-separated list, and reads --max-clients', () => {
    const invocation = replayCommand.parse(['run.jsonl', '--serve', '--allow-host', 'a.lan', '--allow-host=b.lan,192.168.1.5', '--max-clients', '4']);
    expect(invocation.access).toEqual({ allowHosts: ['a.lan', 'b.lan', '192.168.1.5'], maxClients: 4 });
    expect(replayCommand.parse(['run.jsonl']).access).toEqual({});
  });

  it('tour takes them too', () => {
    const values = tourCommand.parse(['--allow-host', 'trainer.lan', '--max-clients', '2']);
    expect(values['allow-host']).toEqual([['trainer.lan']]);
    expect(values['max-clients']).toBe(2);
  });

  it('refuses a value that is no host name, and a limit below 1, naming the option', () => {
    expect(() => replayCommand.parse(['run.jsonl', '--allow-host', 'http://x/'])).toThrow(UsageError);
    expect(() => replayCommand.parse(['run.jsonl', '--allow-host', 'http://x/'])).toThrow(/--allow-host expects host names or IP addresses separated by commas .*got "http:\/\/x\/"/);
    expect(() => replayCommand.parse(['run.jsonl', '--max-clients', '0'])).toThrow(/--max-clients expects an integer ≥ 1, got "0"/);
  });
});
