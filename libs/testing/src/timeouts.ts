// Tests that cross a real broker wait for consumer-group joins (several seconds on a loaded 2-core machine).
jest.setTimeout(Number(process.env['CLOSELOOP_TEST_TIMEOUT_MS'] ?? 90_000));
