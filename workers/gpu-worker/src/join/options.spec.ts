import { credentialFromFile, DEFAULT_GATEWAY, NODE_CREDENTIAL_PREFIX, parseJoinArgs } from './options';

describe('join options', () => {
  const env = { GPUX_NODE_CREDENTIAL: 'gpxn_from-env' };

  it('has defaults: the local gateway, the credential from the environment, the claim measured', () => {
    expect(parseJoinArgs([], env)).toEqual({
      ok: true,
      options: {
        gateway: DEFAULT_GATEWAY,
        credential: { env: 'gpxn_from-env' },
        once: false,
        replace: false,
        f16: false,
        json: false,
      },
    });
    expect(DEFAULT_GATEWAY).toBe('http://127.0.0.1:4000/graphql');
  });

  it('reads every option, with a space or =', () => {
    expect(
      parseJoinArgs(
        [
          '--gateway',
          'https://gw.example/graphql',
          '--credential-file',
          '/etc/gpux/node',
          '--claim-tflops',
          '0.025',
          '--once',
          '--replace',
          '--f16',
          '--json',
        ],
        env,
      ),
    ).toEqual({
      ok: true,
      options: {
        gateway: 'https://gw.example/graphql',
        credential: { file: '/etc/gpux/node' },
        claimTflops: 0.025,
        once: true,
        replace: true,
        f16: true,
        json: true,
      },
    });
    expect(
      parseJoinArgs([
        '--gateway=http://10.0.0.1:4000/graphql',
        '--claim-tflops=12',
        '--credential-file=c.txt',
      ]),
    ).toMatchObject({
      ok: true,
      options: { gateway: 'http://10.0.0.1:4000/graphql', claimTflops: 12, credential: { file: 'c.txt' } },
    });
  });

  it('takes the gateway from GPUX_GATEWAY_URL unless --gateway says otherwise, and says where it came from', () => {
    expect(parseJoinArgs([], { ...env, GPUX_GATEWAY_URL: 'http://gw:4000/graphql' })).toMatchObject({
      ok: true,
      options: { gateway: 'http://gw:4000/graphql', gatewayFrom: 'GPUX_GATEWAY_URL' },
    });
    const given = parseJoinArgs(['--gateway', 'http://other/graphql'], {
      ...env,
      GPUX_GATEWAY_URL: 'http://gw:4000/graphql',
    });
    expect(given).toMatchObject({ ok: true, options: { gateway: 'http://other/graphql' } });
    expect(given.ok && given.options.gatewayFrom).toBe(undefined);
    expect(parseJoinArgs([], { ...env, GPUX_GATEWAY_URL: 'gw:4000' })).toEqual({
      ok: false,
      error: expect.stringMatching(/^GPUX_GATEWAY_URL expects/),
    });
  });

  it('else takes the local gateway on GPUX_GATEWAY_PORT (the port npm start moves), and says so', () => {
    expect(parseJoinArgs([], { ...env, GPUX_GATEWAY_PORT: '4720' })).toMatchObject({
      ok: true,
      options: { gateway: 'http://127.0.0.1:4720/graphql', gatewayFrom: 'GPUX_GATEWAY_PORT' },
    });
    // GPUX_GATEWAY_URL and --gateway say more than a port: they win.
    expect(
      parseJoinArgs([], { ...env, GPUX_GATEWAY_PORT: '4720', GPUX_GATEWAY_URL: 'http://gw:4000/graphql' }),
    ).toMatchObject({
      ok: true,
      options: { gateway: 'http://gw:4000/graphql', gatewayFrom: 'GPUX_GATEWAY_URL' },
    });
    const given = parseJoinArgs(['--gateway', 'http://other/graphql'], { ...env, GPUX_GATEWAY_PORT: 'x' });
    expect(given).toMatchObject({ ok: true, options: { gateway: 'http://other/graphql' } });
    expect(given.ok && given.options.gatewayFrom).toBe(undefined);
    // Empty is unset, as GPUX_GATEWAY_URL's.
    expect(parseJoinArgs([], { ...env, GPUX_GATEWAY_PORT: '' })).toMatchObject({
      ok: true,
      options: { gateway: DEFAULT_GATEWAY },
    });
    for (const port of ['0', '65536', '04720', '-1', '4720 ', 'http://gw:4720/graphql'])
      expect(parseJoinArgs([], { ...env, GPUX_GATEWAY_PORT: port })).toEqual({
        ok: false,
        error: `GPUX_GATEWAY_PORT must be a TCP port, 1 to 65535 (got "${port}"): the local gateway's port, as npm start takes it; or give the URL with --gateway or GPUX_GATEWAY_URL`,
      });
  });

  it('takes Dawn toggles from --dawn-toggles, else GPUX_DAWN_TOGGLES', () => {
    const f16 = { enable: ['vulkan_enable_f16_on_nvidia'], disable: [] };
    expect(parseJoinArgs([], { ...env, GPUX_DAWN_TOGGLES: 'vulkan_enable_f16_on_nvidia' })).toMatchObject({
      ok: true,
      options: { dawnToggles: f16 },
    });
    expect(
      parseJoinArgs(['--dawn-toggles', '-allow_unsafe_apis'], { ...env, GPUX_DAWN_TOGGLES: 'x' }),
    ).toMatchObject({ ok: true, options: { dawnToggles: { enable: [], disable: ['allow_unsafe_apis'] } } });
    expect(parseJoinArgs([], { ...env, GPUX_DAWN_TOGGLES: 'Bad' })).toEqual({
      ok: false,
      error: expect.stringMatching(/^GPUX_DAWN_TOGGLES expects Dawn toggle names .*\(got "Bad"\)$/),
    });
  });

  it('prefers the credential file to the environment', () => {
    expect(parseJoinArgs(['--credential-file', 'f'], env)).toMatchObject({
      ok: true,
      options: { credential: { file: 'f' } },
    });
  });

  it.each([
    [
      [],
      {},
      /^join needs the node credential from registerNode: --credential-file FILE, or GPUX_NODE_CREDENTIAL in the environment$/,
    ],
    [[], { GPUX_NODE_CREDENTIAL: '  ' }, /^join needs the node credential/],
    [
      ['--credential', 'gpxn_secret'],
      env,
      /^the node credential is never given on the command line .*--credential-file.*GPUX_NODE_CREDENTIAL$/,
    ],
    [['--credential=gpxn_secret'], env, /never given on the command line/],
    [['--token', 'x'], env, /never given on the command line/],
    [['--gateway'], env, /^--gateway needs a URL, e\.g\. --gateway http:\/\/127\.0\.0\.1:4000\/graphql$/],
    [['--gateway', '--once'], env, /^--gateway needs a URL/],
    [['--gateway', 'localhost:4000'], env, /^--gateway expects .*\(got "localhost:4000"\)$/],
    [['--gateway', 'not a url'], env, /^--gateway expects the gateway's GraphQL URL/],
    [['--gateway', 'ftp://x/graphql'], env, /^--gateway expects an http:\/\/ or https:\/\/ URL/],
    [['--credential-file'], env, /^--credential-file needs the path of a file/],
    [
      ['--claim-tflops'],
      env,
      /^--claim-tflops expects a positive number of TFLOP\/s, e\.g\. --claim-tflops 0\.02$/,
    ],
    [['--claim-tflops', '0'], env, /^--claim-tflops expects a positive number .*\(got "0"\)$/],
    [['--claim-tflops', 'fast'], env, /\(got "fast"\)/],
    [['--claim-tflops', 'Infinity'], env, /\(got "Infinity"\)/],
    [['--claim-tflops=-1'], env, /\(got "-1"\)/],
    [['--once=yes'], env, /^--once takes no value \(got "--once=yes"\)$/],
    [['--json=1'], env, /^--json takes no value/],
    [['--dawn-toggles'], env, /^--dawn-toggles needs Dawn toggle names separated by commas, e\.g\. /],
    [['--dawn-toggles', 'a,,b'], env, /^--dawn-toggles expects .*: a name is empty \(got "a,,b"\)$/],
    [
      ['--retry'],
      env,
      /^unknown option --retry for join \(options: --gateway URL, --credential-file FILE, --claim-tflops X, --adapter ADAPTER, --dawn-toggles NAME,NAME,…, --once, --replace, --f16, --json; see gpu-worker join --help\)$/,
    ],
    [['node-1'], env, /^unexpected argument "node-1" for join \(options: /],
  ])('%j (env %j) is refused with one line that says what to fix', (args, environment, message) => {
    const parsed = parseJoinArgs(args, environment);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.error).toMatch(message);
      expect(parsed.error).not.toMatch(/\n/);
      expect(parsed.error).not.toMatch(/gpxn_secret/);
    }
  });

  it.each([
    ['http://worker:s3cret@gw.example/graphql', 'the gateway with a user and password'],
    ['https://:s3cret@gw.example/graphql', 'the gateway with a password only'],
    ['http://s3cret@gw.example/graphql', 'the gateway with a user name'],
  ])('refuses %s (%s), never printing the password', (url) => {
    const message =
      /^--gateway must not hold a user name or password \(user:password@\): give the URL without them, e\.g\. http:\/\/127\.0\.0\.1:4000\/graphql; /;
    for (const [args, environment, name] of [
      [['--gateway', url], env, '--gateway'],
      [[], { ...env, GPUX_GATEWAY_URL: url }, 'GPUX_GATEWAY_URL'],
    ] as const) {
      const parsed = parseJoinArgs(args, environment);
      expect(parsed).toEqual({ ok: false, error: expect.stringMatching(/^\S+ must not hold a user name/) });
      if (parsed.ok) continue;
      expect(parsed.error.startsWith(name)).toBe(true);
      expect(parsed.error.replace(name, '--gateway')).toMatch(message);
      expect(parsed.error).not.toMatch(/s3cret/);
    }
  });

  it.each([
    [
      'ftp://user:s3cret@gw.example/graphql',
      /^--gateway expects an http:\/\/ or https:\/\/ URL.*\(got "ftp:\/\/…@gw\.example\/graphql"\)$/,
    ],
    [
      'http://user:s3cret@gw example/graphql',
      /^--gateway expects the gateway's GraphQL URL.*\(got "http:\/\/…@gw example\/graphql"\)$/,
    ],
    ['user:s3cret@gw.example:4000', /\(got "…@gw\.example:4000"\)$/],
  ])('refuses %s without quoting what stands before its @', (url, message) => {
    const parsed = parseJoinArgs(['--gateway', url], env);
    expect(parsed).toEqual({ ok: false, error: expect.stringMatching(message) });
    expect(JSON.stringify(parsed)).not.toMatch(/s3cret/);
  });

  it.each([
    [
      'an API key',
      'gpx_0123456789abcdef0123',
      /holds no node credential \(those start with gpxn_\): it looks like an API key; a node credential comes from registerNode, or rotateNodeCredential for a new one$/,
    ],
    [
      'a key without a prefix',
      'abcdef0123456789abcdef',
      /holds no node credential \(those start with gpxn_\); a node credential comes from registerNode/,
    ],
    [
      'the credential in the quotes of the JSON answer it was copied from',
      '"gpxn_s3cret0123456789"',
      /holds the node credential in quotes \(as the JSON answer shows it\): write it without the quotes$/,
    ],
    ['the credential in single quotes', "'gpxn_s3cret0123456789'", /holds the node credential in quotes/],
    [
      'a character above U+00FF',
      'gpxn_s3cret\u2013key',
      /holds a character no node credential has \(a space, a control character or a non-ASCII one\): copy the credential registerNode returned exactly$/,
    ],
    ['a Latin-1 character', 'gpxn_s3cret\u00e9', /holds a character no node credential has/],
    ['a NUL', 'gpxn_s3cret\u0000', /holds a character no node credential has/],
    ['a space inside', 'gpxn_s3cret key', /holds a character no node credential has/],
    [
      'a credential far too long',
      `gpxn_s3cret${'a'.repeat(100_000)}`,
      /holds 100011 characters, more than any node credential \(registerNode gives out 37\): copy the credential registerNode returned exactly$/,
    ],
  ])(
    'refuses %s as the credential, from the environment or a file, without quoting it',
    (_what, credential, message) => {
      const fromEnv = parseJoinArgs([], { GPUX_NODE_CREDENTIAL: credential });
      expect(fromEnv).toEqual({ ok: false, error: expect.stringMatching(/^GPUX_NODE_CREDENTIAL /) });
      if (!fromEnv.ok) expect(fromEnv.error).toMatch(message);
      const fromFile = credentialFromFile(`${credential}\n`, '/etc/gpux/node');
      if (/\s/.test(credential)) {
        // A space inside is already "not one line of just the credential".
        expect(fromFile).toMatchObject({ ok: false });
      } else {
        expect(fromFile).toEqual({
          ok: false,
          error: expect.stringMatching(/^the credential file \/etc\/gpux\/node /),
        });
        if (!fromFile.ok) expect(fromFile.error).toMatch(message);
      }
      for (const parsed of [fromEnv, fromFile]) {
        expect(JSON.stringify(parsed)).not.toMatch(/s3cret|0123456789/);
        if (!parsed.ok) expect(parsed.error).not.toMatch(/\n/);
      }
    },
  );

  it('node credentials start with the prefix the gateway gives them', () => {
    expect(NODE_CREDENTIAL_PREFIX).toBe('gpxn_');
  });

  it('reads the credential file: one line, surrounding space ignored', () => {
    expect(credentialFromFile('gpxn_abc\n', 'f')).toEqual({ ok: true, credential: 'gpxn_abc' });
    expect(credentialFromFile('\r\n  gpxn_abc  \r\n\n', 'f')).toEqual({ ok: true, credential: 'gpxn_abc' });
    expect(credentialFromFile('\n \n', 'cred.txt')).toEqual({
      ok: false,
      error: 'the credential file cred.txt is empty: write the credential registerNode returned into it',
    });
    expect(credentialFromFile('gpxn_a\ngpxn_b\n', 'f')).toEqual({
      ok: false,
      error: 'the credential file f must hold just the credential, on one line',
    });
    expect(credentialFromFile('gpxn_a gpxn_b', 'f')).toMatchObject({ ok: false });
  });
});
