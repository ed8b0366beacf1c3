// Probes of local processes and ports, shared by the stack the scripts start and the private infrastructure of the
// chaos harness.
'use strict';
const { connect } = require('node:net');

/** Whether a process with this pid exists (signal 0 checks without sending anything). */
const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Whether something accepts connections on the port of 127.0.0.1; a port that hangs for 2 s counts as not. */
const portAnswers = (port) =>
  new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.setTimeout(2_000, () => (socket.destroy(), resolve(false)));
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });

module.exports = { alive, portAnswers };
