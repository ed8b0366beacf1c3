import { connect } from 'node:net';
import { Pool } from 'pg';
import { infrastructure } from './infrastructure';

const reachable = (hostPort: string): Promise<boolean> =>
  new Promise((resolve) => {
    const [host, port] = hostPort.split(':');
    const socket = connect({ host, port: Number(port), timeout: 3_000 });
    socket.once('connect', () => (socket.end(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });

/** Fails the run at once, with the reason, when the real broker or database is not there. */
export default async function globalSetup(): Promise<void> {
  const { kafkaBrokers, adminDatabaseUrl } = infrastructure();
  if (!(await reachable(kafkaBrokers[0] as string)))
    throw new Error(`Kafka is not answering at ${kafkaBrokers[0]}: run scripts/infra/up.sh`);
  const pool = new Pool({ connectionString: adminDatabaseUrl, max: 1 });
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    throw new Error(`PostgreSQL is not answering at ${adminDatabaseUrl}: ${(error as Error).message}`);
  } finally {
    await pool.end();
  }
}
