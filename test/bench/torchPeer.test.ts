/**
 * The benchmark's PyTorch peer, the parts that need no Python: its environment, finding a
 * Python with torch (with a stand-in for running commands), the lines it answers, and the
 * line protocol against a stand-in peer written in JavaScript.
 */
import { describe, expect, it } from 'vitest';
import { peerEnvironment, probeTorch, pythonCandidates, torchInstallCommand, type CommandRunner } from '../../bench/torch/environment.ts';
import { describePeer, parseReady, parseReply, parseRun, startTorchPeer } from '../../bench/torch/peer.ts';
import { rateRatios, verdict } from '../../bench/harness.ts';

const notFound = (): ReturnType<CommandRunner> => ({ status: null, stdout: '', stderr: '', error: Object.assign(new Error('spawn python3 ENOENT'), { code: 'ENOENT' }) });
const noTorch = (): ReturnType<CommandRunner> => ({ status: 1, stdout: '', stderr: "Traceback (most recent call last):\n  File \"<string>\", line 1\nModuleNotFoundError: No module named 'torch'\n" });

describe('the PyTorch peer of the benchmark', () => {
  it('runs without the two OpenBLAS variables that slow it, on one thread, and leaves the parent environment alone', () => {
    const parent = { OPENBLAS_CORETYPE: 'Haswell', OPENBLAS_L2_SIZE: '512', OPENBLAS_NUM_THREADS: '2', PATH: '/usr/bin', HOME: '/root' };
    const env = peerEnvironment(parent);
    expect(env).not.toHaveProperty('OPENBLAS_CORETYPE');
    expect(env).not.toHaveProperty('OPENBLAS_L2_SIZE');
    expect(env).toMatchObject({ OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', PATH: '/usr/bin', HOME: '/root' });
    expect(parent).toEqual({ OPENBLAS_CORETYPE: 'Haswell', OPENBLAS_L2_SIZE: '512', OPENBLAS_NUM_THREADS: '2', PATH: '/usr/bin', HOME: '/root' });
  });

  it('tries python3, then Debian’s /usr/bin/python3, unless GRADSTREAM_BENCH_PYTHON names one', () => {
    expect(pythonCandidates({})).toEqual(['python3', '/usr/bin/python3']);
    expect(pythonCandidates({ GRADSTREAM_BENCH_PYTHON: '/opt/venv/bin/python' })).toEqual(['/opt/venv/bin/python']);
  });

  it('says how to get Python and PyTorch when there is no Python at all', () => {
    const probe = probeTorch(['python3', '/usr/bin/python3'], notFound);
    expect(probe).toMatchObject({ found: false, reason: 'python3: not found; /usr/bin/python3: not found' });
    expect(probe.found === false && probe.howToGet).toBe(`no Python 3 found — install Python 3 and PyTorch (${torchInstallCommand}), or set GRADSTREAM_BENCH_PYTHON`);
  });

  it('says how to install PyTorch when Python has no torch, naming each Python and its error', () => {
    const probe = probeTorch(['python3', '/usr/bin/python3'], (python) => (python === 'python3' ? noTorch() : notFound()));
    expect(probe).toMatchObject({ found: false, reason: "python3: no torch (ModuleNotFoundError: No module named 'torch'); /usr/bin/python3: not found" });
    expect(probe.found === false && probe.howToGet).toMatch(/^PyTorch not installed — apt-get install -y --no-install-recommends python3-torch libopenblas0-pthread/);
  });

  it('takes the first Python whose import torch works, probed in the peer’s environment', () => {
    const seen: { python: string; env: NodeJS.ProcessEnv }[] = [];
    const probe = probeTorch(['python3', '/usr/bin/python3'], (python, args, env) => {
      seen.push({ python, env });
      expect(args).toEqual(['-c', 'import torch; print(torch.__version__)']);
      return python === 'python3' ? noTorch() : { status: 0, stdout: '1.13.0a0\n', stderr: '' };
    });
    expect(probe).toEqual({ found: true, python: '/usr/bin/python3', torchVersion: '1.13.0a0' });
    expect(seen.map((s) => s.python)).toEqual(['python3', '/usr/bin/python3']);
    for (const { env } of seen) expect(env.OPENBLAS_CORETYPE).toBeUndefined();
  });

  it('reads its lines, and says which peer sent what when a line is wrong', () => {
    const ready = parseReady('{"ready": true, "torch": "1.13.0a0", "python": "3.11.2", "threads": 1, "blasCore": "Cooperlake", "slowingVariables": []}', 'PyTorch float64');
    expect(describePeer(ready)).toBe('PyTorch 1.13.0a0 (Python 3.11.2), one thread, OpenBLAS Cooperlake kernels');
    expect(describePeer({ ...ready, threads: 2, blasCore: null, slowingVariables: ['OPENBLAS_CORETYPE'] })).toBe('PyTorch 1.13.0a0 (Python 3.11.2), 2 threads, BLAS other than OpenBLAS (OPENBLAS_CORETYPE still set!)');
    expect(parseRun('{"seconds": 0.25, "ok": true, "forward": 8.0}', 'p')).toEqual({ seconds: 0.25, ok: true, forward: 8 });
    expect(() => parseRun('Traceback (most recent call last):', 'PyTorch float32')).toThrow('PyTorch float32: expected a JSON line from bench/torch/peer.py, got "Traceback (most recent call last):"');
    expect(() => parseRun('[1, 2]', 'p')).toThrow('p: expected a JSON object');
    expect(() => parseRun('{"repetitions": 3}', 'p')).toThrow('p: expected a finite number in "seconds" from bench/torch/peer.py, got {"repetitions":3}');
    expect(() => parseReply('{"error": "ValueError: unknown task \'x\'"}', 'p')).toThrow("p: ValueError: unknown task 'x'");
    expect(() => parseReady('{"ok": true}', 'p')).toThrow("p: expected the peer's ready line first");
  });

  it('speaks the line protocol with a peer process, which runs without the two OpenBLAS variables', async () => {
    // A stand-in for peer.py in JavaScript: the same lines, and its environment in the ready line.
    const standIn = [
      'const { createInterface } = require("node:readline");',
      'const say = (m) => process.stdout.write(JSON.stringify(m) + "\\n");',
      'say({ ready: true, torch: "stand-in", python: "none", threads: 1, blasCore: null,',
      '  slowingVariables: ["OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"].filter((n) => n in process.env), openblasThreads: process.env.OPENBLAS_NUM_THREADS });',
      'createInterface({ input: process.stdin }).on("line", (line) => {',
      '  const c = JSON.parse(line);',
      '  if (c.setup) say(c.setup === "gemm" ? { ok: true } : { error: "ValueError: unknown task " + c.setup });',
      '  else if (c.calibrate !== undefined) say({ repetitions: Math.round(c.calibrate * 100) });',
      '  else if (c.run !== undefined) say({ seconds: c.run / 1000, ok: true, forward: 8 });',
      '});',
    ].join('\n');
    const previous = { coreType: process.env.OPENBLAS_CORETYPE, l2: process.env.OPENBLAS_L2_SIZE };
    process.env.OPENBLAS_CORETYPE = 'Haswell';
    process.env.OPENBLAS_L2_SIZE = '512';
    try {
      const peer = await startTorchPeer(process.execPath, 'stand-in', ['-e', standIn]);
      expect(peer.info.slowingVariables).toEqual([]);
      expect((peer.info as unknown as { openblasThreads: string }).openblasThreads).toBe('1');
      await peer.setup({ setup: 'gemm', dtype: 'float64', m: 4, n: 4, k: 4, transposeA: false, transposeB: true });
      expect(await peer.calibrate(0.08)).toBe(8);
      expect(await peer.run(250)).toEqual({ seconds: 0.25, ok: true, forward: 8 });
      await expect(peer.setup({ setup: 'gradcheck', size: 4, mode: 'fast' })).rejects.toThrow('stand-in: ValueError: unknown task gradcheck');
      peer.close();
      await expect(peer.run(1)).rejects.toThrow(/stand-in: the peer \(.*\) ended \(exit 0\)/);
    } finally {
      for (const [name, value] of [['OPENBLAS_CORETYPE', previous.coreType], ['OPENBLAS_L2_SIZE', previous.l2]] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it('says why a peer that cannot start failed, with the program it tried', async () => {
    await expect(startTorchPeer('/nonexistent/python3', 'PyTorch float64')).rejects.toThrow('PyTorch float64: could not start /nonexistent/python3: spawn /nonexistent/python3 ENOENT');
  });
});

describe('ratios of rates and goals of at least', () => {
  it('divides rates round by round, and refuses lists of different lengths', () => {
    // A: 100 repetitions in 1 s and 2 s; B: 50 in 1 s and 0.5 s.
    expect(rateRatios([1, 2], 100, [1, 0.5], 50)).toEqual([2, 0.5]);
    expect(() => rateRatios([1], 1, [1, 2], 1)).toThrow('rateRatios: expected one sample per round in both lists, got 1 and 2');
  });

  it('judges a goal of at least by the median and the low end of its interval', () => {
    const ratios = Array.from({ length: 16 }, (_, i) => 0.5 + i / 100); // 0.50 … 0.65, median 0.575, interval 0.53–0.62
    expect(verdict(ratios, 0.5, 'at least').text).toMatch(/ — met$/);
    expect(verdict(ratios, 0.55, 'at least').text).toMatch(/met by the median, though the interval reaches past the goal$/);
    expect(verdict(ratios, 0.6, 'at least')).toMatchObject({ met: false, text: expect.stringMatching(/^0\.575× .* — not met$/) });
  });
});
