// bench/results.md from bench/results.json: the same figures, as tables a reader compares at a glance.

const range = (s, unit = '') => (s ? `${s.median}${unit} (${s.min}–${s.max}, n=${s.n})` : '—');
const table = (head, rows) =>
  [
    `| ${head.join(' | ')} |`,
    `| ${head.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n');

const when = (results, part) => `Measured ${results.measuredAt?.[part] ?? results.when ?? '—'}.`;

/**
 * `history` is bench/what-each-change-bought.md, written by hand: the before/after of each change
 * made to bring the cost down, with the commands that measured it.
 */
export function renderResults(results, history) {
  const { machine, settings } = results;
  const parts = [
    "# incident-lab: the lab's own cost",
    '',
    `Measured by \`npm run bench\` (${settings.rounds} rounds of ${settings.seconds} s per throughput figure, \`lab run\` per lab as many times as each row's n; each part says when). Medians with min–max over the rounds.`,
    '',
    table(
      ['machine', ''],
      [
        ['CPUs', machine.cpus],
        ['memory', `${machine.memoryGb} GB`],
        ['Node', machine.node],
        ['MySQL server', machine.mysql],
        ['RabbitMQ', machine.rabbitmq],
      ],
    ),
  ];
  if (results.startup) {
    const idle = results.startup.idleRssMb;
    parts.push(
      '',
      '## Start and idle memory',
      '',
      when(results, 'startup'),
      '',
      `\`lab up\`'s services from start to every one ready: **${range(results.startup.readyS, ' s')}**.`,
      '',
      table(
        ['process (idle, 5 s after ready)', 'RSS'],
        [
          ...Object.entries(idle.byName).map(([name, mb]) => [name, `${mb} MB`]),
          ['**all lab processes**', `**${idle.total} MB**`],
        ],
      ),
    );
    const breakdown = results.startup.idleBreakdown;
    const empty = results.startup.emptyNodeMb;
    if (breakdown) {
      const mb = (value) => (value === undefined ? '—' : `${value} MB`);
      parts.push(
        '',
        'Where it is (idle): RSS is the binary and libraries mapped from files (shared by every Node process) plus anonymous memory, of which the V8 heap (its physical size, of which in use, and the young generation) and the rest native (buffers, sockets, compiled code). PSS divides shared pages among the processes sharing them; its sum is what the lab takes from the machine.',
        '',
        table(
          ['process', 'RSS', 'file-backed', 'anonymous', 'V8 heap (in use; young generation)', 'PSS'],
          [
            ...Object.entries(breakdown.byName).map(([name, each]) => [
              name,
              mb(each.rss),
              mb(each.file),
              mb(each.anonymous),
              each.heap === undefined ? '—' : `${each.heap} MB (${each.heapUsed}; ${each.newSpace})`,
              mb(each.pss),
            ]),
            ...(empty
              ? [
                  [
                    'an empty Node process (node -e)',
                    mb(empty.rss),
                    mb(empty.file),
                    mb(empty.anonymous),
                    '—',
                    mb(empty.pss),
                  ],
                ]
              : []),
            ['**all lab processes**', '', '', '', '', `**${breakdown.pss} MB**`],
          ],
        ),
      );
    }
  }
  if (results.throughput) {
    const { summary, ratios } = results.throughput;
    const endpoints = [...new Set(Object.values(summary).flatMap((each) => Object.keys(each)))];
    parts.push(
      '',
      '## Throughput (wrk, 1 thread, 32 connections)',
      '',
      when(results, 'throughput'),
      ...(results.throughput.flags ? ['', `Flags pinned: ${results.throughput.flags}.`] : []),
      '',
      table(
        ['configuration', ...endpoints.map((endpoint) => `${endpoint} req/s · p99 ms`)],
        Object.entries(summary).map(([config, byEndpoint]) => [
          config,
          ...endpoints.map((endpoint) => {
            const cell = byEndpoint[endpoint];
            if (!cell) return '—';
            if (cell.failed) return `**failed**: ${cell.failed}`;
            return `${range(cell.rps)} · ${cell.p99Ms.median}${cell.non2xx ? ` (${cell.non2xx} non-2xx)` : ''}`;
          }),
        ]),
      ),
      '',
      table(
        ['ratio of medians', ...Object.keys(ratios)],
        [...new Set(Object.values(ratios).flatMap((each) => Object.keys(each)))].map((name) => [
          name,
          ...Object.keys(ratios).map((endpoint) => {
            const value = ratios[endpoint][name];
            return value === null ? 'failed' : String(value ?? '—');
          }),
        ]),
      ),
    );
  }
  if (results.labs) {
    const { summary, idleRssMb } = results.labs;
    parts.push(
      '',
      '## `lab run`: time, margins and memory at the peak',
      '',
      `${when(results, 'labs')} Each lab's row says when its runs began.`,
      '',
      `Every lab process (the seven services and \`lab up\` with its console) idle: **${idleRssMb?.total ?? '—'} MB**.`,
      '',
      table(
        [
          'lab',
          'measured',
          'wall time',
          'fixed holds',
          'broken fails',
          'services restarted',
          'peak RSS, broken',
          'peak RSS, fixed',
        ],
        Object.entries(summary).map(([lab, each]) => [
          lab,
          each.measuredAt?.slice(0, 16).replace('T', ' ') ?? results.measuredAt?.labs ?? '—',
          range(each.wallS, ' s'),
          each.fixedHolds,
          each.brokenFails,
          String(each.crashes ?? '—'),
          range(each.peakRssMb.broken, ' MB'),
          range(each.peakRssMb.fixed, ' MB'),
        ]),
      ),
      '',
      table(
        ['lab', 'headline probe', 'broken', 'fixed'],
        Object.entries(summary).flatMap(([lab, each]) =>
          Object.keys(each.headline.fixed ?? {}).map((probe) => [
            lab,
            probe,
            range(each.headline.broken?.[probe]),
            range(each.headline.fixed?.[probe]),
          ]),
        ),
      ),
    );
    if (results.labs.peakByName)
      parts.push(
        '',
        "Each process's own peak RSS over all the runs above (docker-compose.yml's `mem_limit`s are sized from these):",
        '',
        table(
          ['process', 'peak RSS'],
          Object.entries(results.labs.peakByName).map(([name, mb]) => [name, `${mb} MB`]),
        ),
      );
  }
  if (results.console) {
    const c = results.console;
    parts.push(
      '',
      '## The lab console',
      '',
      when(results, 'console'),
      '',
      table(
        ['spans', 'ingest (OTLP/protobuf over HTTP)', 'added by a full store', 'search, median'],
        [
          [
            String(c.spans),
            `${c.ingest.spansPerSecond} spans/s`,
            `${c.consoleWithFullStoreMb.rss} MB RSS (${c.consoleWithFullStoreMb.heap} MB heap)`,
            Object.entries(c.searchMedianMs)
              .map(([query, ms]) => `${query} ${ms} ms`)
              .join('; '),
          ],
        ],
      ),
    );
  }
  if (results.capacity) {
    const c = results.capacity;
    const phases = Object.entries(c.phases);
    const { objective, overload } = c.settings;
    parts.push(
      '',
      '## Capacity and overload (`lab capacity`)',
      '',
      `${when(results, 'capacity')} \`${c.command}\`, seed ${c.seed}. Served means 2xx within ${objective.latencyMs} ms; the capacity is the last step of the search with p99 ≤ ${objective.latencyMs} ms, errors < ${objective.maxErrorShare * 100} % and shed < ${objective.maxShedShare * 100} %; then ${overload.factors.join('× and ')}× of the fixed shop's capacity for ${overload.stepS} s each and ${overload.afterFactor}× for ${overload.afterS} s.`,
      '',
      table(
        ['', ...phases.map(([name]) => name)],
        [
          [
            'capacity',
            ...phases.map(([, phase]) =>
              phase.capacityPerS === undefined ? '—' : `${phase.capacityPerS} req/s`,
            ),
          ],
          ...(phases[0]?.[1].claims ?? []).map((claim, i) => [
            `${claim.name} (${claim.limit})`,
            ...phases.map(([, phase]) => `${phase.claims[i]?.passed ? '✓' : '✗'} ${phase.claims[i]?.value}`),
          ]),
        ],
      ),
      '',
      table(
        ['phase', 'step', 'offered /s', 'served /s', 'p50 ms', 'p99 ms', 'shed', 'timed out', 'failed'],
        phases.flatMap(([name, phase]) =>
          phase.overload.map((step) => [
            name,
            step.name,
            step.offeredPerS,
            step.goodputPerS,
            step.p50Ms,
            step.p99Ms,
            step.shed,
            step.timeouts,
            step.errors,
          ]),
        ),
      ),
      '',
      '![Goodput against offered load](capacity-curve.svg)',
      '',
      '![Served per second through the overload](capacity-overload.svg)',
      ...(c.notes ?? []).flatMap((note) => ['', `_${note}_`]),
    );
  }
  if (history) parts.push('', history.trim());
  return `${parts.join('\n')}\n`;
}
