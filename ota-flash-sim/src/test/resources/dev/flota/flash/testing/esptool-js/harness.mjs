// Runs Espressif's esptool-js 0.7.0 against a serial loader on TCP, for Flota's interop tests and benches.
//
//   node harness.mjs HOST:PORT OPERATIONS [--baud N] [--timeout-ms N] [--trace] [--frames FILE]
//
// OPERATIONS is a JSON array (inline, or @FILE), each element an object with "op":
//   {"op":"connect", "before":"no_reset"}          main(): sync, detect, stub upload, baud change, flash id
//   {"op":"flashId"}                                  RDID through the SPI registers
//   {"op":"writeFlash", "files":[{"path":P,"address":A}], "compress":true, "md5":true, "eraseAll":false,
//    "flashSize":"keep"}                             reports "md5Ms", the part of "ms" spent in SPI_FLASH_MD5
//   {"op":"readFlash", "address":A, "size":N, "path":P}
//   {"op":"eraseFlash"}
//   {"op":"md5", "address":A, "size":N}                SPI_FLASH_MD5
//   {"op":"readReg", "address":A}
//   {"op":"securityInfo"}                             GET_SECURITY_INFO as esptool-js decodes it (not cached)
//   {"op":"after", "mode":"hard_reset"}
// Prints one JSON object on stdout: {"ok":true,"ops":[{"op":..,"ms":..,...}]} or, on the first failure,
// {"ok":false,"error":{"op":..,"index":..,"name":..,"message":..},"ops":[the completed ones]} with exit code 1
// (2 for a timeout, 3 for bad arguments). esptool-js's own log goes to stderr.
//
// esptool-js talks to a Web Serial SerialPort; TcpSerialPort below is one over a TCP socket. Closing and opening the
// port (esptool-js does so after some replies) is a new TCP connection, as a USB serial adapter re-enumerating would
// be a new session for the device. DTR/RTS have no wire over TCP: they are recorded and ignored.

import net from "node:net";
import fs from "node:fs";
import { createHash } from "node:crypto";
import { performance } from "node:perf_hooks";
import { ReadableStream, WritableStream } from "node:stream/web";

const stdoutWrite = process.stdout.write.bind(process.stdout);
console.log = (...args) => process.stderr.write(args.join(" ") + "\n");
console.info = console.log;
console.debug = console.log;

function finish(result, code) {
  stdoutWrite(JSON.stringify(result) + "\n", () => process.exit(code));
  setTimeout(() => process.exit(code), 1000).unref();
}

function usage(message) {
  finish({ ok: false, error: { op: null, index: -1, name: "UsageError", message }, ops: [] }, 3);
}

function parseArgs(argv) {
  const positional = [];
  const options = { baud: 115200, timeoutMs: 300000, trace: false, frames: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--baud") options.baud = Number(argv[++i]);
    else if (a === "--timeout-ms") options.timeoutMs = Number(argv[++i]);
    else if (a === "--trace") options.trace = true;
    else if (a === "--frames") options.frames = argv[++i];
    else positional.push(a);
  }
  if (positional.length !== 2) throw new Error("expected HOST:PORT and OPERATIONS");
  const m = /^(.+):(\d+)$/.exec(positional[0]);
  if (!m) throw new Error(`not HOST:PORT: ${positional[0]}`);
  const text = positional[1].startsWith("@") ? fs.readFileSync(positional[1].slice(1), "utf8") : positional[1];
  const ops = JSON.parse(text);
  if (!Array.isArray(ops)) throw new Error("OPERATIONS must be a JSON array");
  if (!Number.isInteger(options.baud) || options.baud <= 0) throw new Error("bad --baud");
  if (!Number.isFinite(options.timeoutMs) || options.timeoutMs <= 0) throw new Error("bad --timeout-ms");
  return { host: m[1], port: Number(m[2]), ops, ...options };
}

/** Writes every SLIP frame of both directions, decoded, as hex lines: "> " host to device, "< " device to host. */
class FrameLog {
  constructor(path) {
    this.fd = path ? fs.openSync(path, "w") : null;
    this.start = performance.now();
    this.rx = null;
    this.escaping = false;
  }
  line(text) {
    if (this.fd !== null) fs.writeSync(this.fd, `${(performance.now() - this.start).toFixed(1)} ${text}\n`);
  }
  note(text) {
    this.line(`# ${text}`);
  }
  sent(bytes) {
    if (this.fd !== null) this.line("> " + hex(unslip(bytes)));
  }
  received(bytes) {
    if (this.fd === null) return;
    for (const b of bytes) {
      if (this.rx === null) {
        if (b === 0xc0) this.rx = [];
        else this.line(`< noise ${hex([b])}`);
      } else if (this.escaping) {
        this.escaping = false;
        this.rx.push(b === 0xdc ? 0xc0 : b === 0xdd ? 0xdb : b);
      } else if (b === 0xdb) {
        this.escaping = true;
      } else if (b === 0xc0) {
        if (this.rx.length > 0) {
          this.line("< " + hex(this.rx));
          this.rx = null;
        }
      } else {
        this.rx.push(b);
      }
    }
  }
}

function hex(bytes) {
  return Buffer.from(bytes).toString("hex");
}

function unslip(bytes) {
  const out = [];
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b === 0xc0) continue;
    if (b === 0xdb && i + 1 < bytes.length) {
      const n = bytes[++i];
      out.push(n === 0xdc ? 0xc0 : n === 0xdd ? 0xdb : n);
    } else out.push(b);
  }
  return out;
}

/** The parts of a Web Serial SerialPort that esptool-js 0.7.0's Transport uses, over TCP. */
class TcpSerialPort {
  constructor(host, port, frames) {
    this.host = host;
    this.port = port;
    this.frames = frames;
    this.socket = null;
    this.readable = null;
    this.writable = null;
    this.signals = {};
    this.connections = 0;
  }

  getInfo() {
    return {};
  }

  async open(options) {
    if (this.socket) throw new DOMException("The port is already open.", "InvalidStateError");
    this.baudRate = options.baudRate;
    const socket = await new Promise((resolve, reject) => {
      const s = net.createConnection({ host: this.host, port: this.port });
      const timer = setTimeout(() => {
        s.destroy();
        reject(new Error(`connect to ${this.host}:${this.port} timed out`));
      }, 5000);
      s.once("connect", () => {
        clearTimeout(timer);
        resolve(s);
      });
      s.once("error", (e) => {
        clearTimeout(timer);
        reject(new Error(`cannot connect to ${this.host}:${this.port}: ${e.message}`));
      });
    });
    socket.setNoDelay(true);
    this.socket = socket;
    this.connections++;
    this.frames.note(`open ${this.host}:${this.port} (connection ${this.connections}, ${options.baudRate} baud)`);
    const frames = this.frames;
    this.readable = new ReadableStream({
      start(controller) {
        let closed = false;
        socket.on("data", (chunk) => {
          if (closed) return;
          frames.received(chunk);
          controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
        });
        socket.on("end", () => {
          if (!closed) {
            closed = true;
            frames.note("device closed the connection");
            controller.close();
          }
        });
        socket.on("error", (e) => {
          if (!closed) {
            closed = true;
            controller.error(new DOMException(e.message, "NetworkError"));
          }
        });
        socket.on("close", () => {
          if (!closed) {
            closed = true;
            try {
              controller.close();
            } catch (ignored) {
              // already errored
            }
          }
        });
      },
      cancel() {
        socket.destroy();
      },
    });
    this.writable = new WritableStream({
      write(chunk) {
        frames.sent(chunk);
        return new Promise((resolve, reject) => {
          if (socket.destroyed) {
            reject(new DOMException("The device has been lost.", "NetworkError"));
            return;
          }
          socket.write(chunk, (e) => (e ? reject(new DOMException(e.message, "NetworkError")) : resolve()));
        });
      },
      close() {
        socket.end();
      },
    });
  }

  async setSignals(signals) {
    Object.assign(this.signals, signals);
  }

  async close() {
    const socket = this.socket;
    this.socket = null;
    this.readable = null;
    this.writable = null;
    if (socket && !socket.destroyed) {
      // The device must see this connection end before the next one starts.
      await new Promise((resolve) => {
        socket.once("close", resolve);
        socket.end();
        setTimeout(() => socket.destroy(), 200).unref();
      });
    }
    this.frames.note("close");
  }
}

class LogTerminal {
  constructor() {
    this.lines = [];
    this.partial = "";
  }
  clean() {}
  write(text) {
    this.partial += text;
  }
  writeLine(text) {
    const line = this.partial + text;
    this.partial = "";
    this.lines.push(line);
    process.stderr.write(line + "\n");
  }
  /** The value of the last log line starting with prefix, after it. */
  after(prefix, from = 0) {
    for (let i = this.lines.length - 1; i >= from; i--) {
      const line = this.lines[i].trim();
      if (line.startsWith(prefix)) return line.slice(prefix.length).trim();
    }
    return null;
  }
}

function md5Hex(bytes) {
  return createHash("md5").update(bytes).digest("hex");
}

function requireInt(op, key) {
  const v = op[key];
  if (!Number.isInteger(v) || v < 0) throw new Error(`${op.op}: "${key}" must be a non-negative integer`);
  return v;
}

const completed = [];

const hexId = (n) => "0x" + (n >>> 0).toString(16).padStart(6, "0");

async function run(args, esptool, frames) {
  const { ESPLoader, Transport } = esptool;
  const port = new TcpSerialPort(args.host, args.port, frames);
  const transport = new Transport(port, args.trace);
  const terminal = new LogTerminal();
  const loader = new ESPLoader({
    transport,
    baudrate: args.baud,
    romBaudrate: 115200,
    terminal,
    debugLogging: args.trace,
  });
  const results = completed;
  const warnings = [];
  process.on("unhandledRejection", (e) => {
    // after("no_reset") with the stub calls softReset without awaiting it (esptool-js 0.7.0).
    warnings.push(String(e && e.message ? e.message : e));
  });

  const ops = {
    async connect(op) {
      const from = terminal.lines.length;
      const description = await loader.main(op.before || "no_reset");
      const flashIdLine = terminal.after("Flash ID:", from);
      return {
        chip: loader.chip.CHIP_NAME,
        description,
        revision: terminal.after("Chip Revision:", from),
        features: terminal.after("Features:", from),
        crystal: terminal.after("Crystal is", from),
        mac: terminal.after("MAC:", from),
        flashId: flashIdLine === null ? null : hexId(parseInt(flashIdLine, 16)),
        stub: loader.IS_STUB,
        // SYNC answered with value 0: the stub was already running (left by an earlier session), none was uploaded.
        stubWasRunning: loader.syncStubDetected,
        connections: port.connections,
      };
    },
    async flashId() {
      const id = await loader.readFlashId();
      return {
        flashId: hexId(id),
        manufacturer: id & 0xff,
        device: (id >> 8) & 0xffff,
        flashSize: loader.DETECTED_FLASH_SIZES[(id >> 16) & 0xff] || null,
      };
    },
    async writeFlash(op) {
      if (!Array.isArray(op.files) || op.files.length === 0) throw new Error('writeFlash: "files" must be a list');
      const fileArray = op.files.map((f) => ({
        data: new Uint8Array(fs.readFileSync(f.path)),
        address: requireInt(f, "address"),
      }));
      const md5s = [];
      // esptool-js checks each file's MD5 inside writeFlash; timed apart so a bench can tell writing from verifying.
      let md5Ms = 0;
      const flashMd5sum = loader.flashMd5sum;
      loader.flashMd5sum = async function (...a) {
        const start = performance.now();
        try {
          return await flashMd5sum.apply(this, a);
        } finally {
          md5Ms += performance.now() - start;
        }
      };
      try {
        await loader.writeFlash({
          fileArray,
          flashMode: "keep",
          flashFreq: "keep",
          flashSize: op.flashSize || "keep",
          eraseAll: op.eraseAll === true,
          compress: op.compress !== false,
          calculateMD5Hash:
            op.md5 === false
              ? undefined
              : (image) => {
                  const digest = md5Hex(image);
                  md5s.push(digest);
                  return digest;
                },
        });
      } finally {
        loader.flashMd5sum = flashMd5sum;
      }
      return {
        bytes: fileArray.reduce((n, f) => n + f.data.length, 0),
        md5s,
        md5Ms: Math.round(md5Ms * 1000) / 1000,
      };
    },
    async readFlash(op) {
      const data = await loader.readFlash(requireInt(op, "address"), requireInt(op, "size"));
      if (op.path) fs.writeFileSync(op.path, data);
      return { bytes: data.length, md5: md5Hex(data) };
    },
    async eraseFlash() {
      await loader.eraseFlash();
      return {};
    },
    async md5(op) {
      return { md5: await loader.flashMd5sum(requireInt(op, "address"), requireInt(op, "size")) };
    },
    async readReg(op) {
      const value = (await loader.readReg(requireInt(op, "address"))) >>> 0;
      return { value };
    },
    async securityInfo() {
      const info = await loader.getSecurityInfo(false);
      const parsedFlags = Object.keys(info.parsedFlags).filter((name) => info.parsedFlags[name]);
      return {
        flags: info.flags,
        flashCryptCnt: info.flashCryptCnt,
        keyPurposes: info.keyPurposes,
        chipId: info.chipId,
        parsedFlags,
      };
    },
    async after(op) {
      await loader.after(op.mode || "hard_reset");
      return {};
    },
  };

  for (let index = 0; index < args.ops.length; index++) {
    const op = args.ops[index];
    const name = op && op.op;
    const fn = Object.prototype.hasOwnProperty.call(ops, name) ? ops[name] : null;
    try {
      if (!fn) throw new Error(`unknown operation ${JSON.stringify(name)}`);
      frames.note(`op ${index} ${name}`);
      const start = performance.now();
      const result = await fn(op);
      // Lets a rejection esptool-js left un-awaited (after("no_reset")) reach the warnings of this step's run.
      await new Promise((resolve) => setImmediate(resolve));
      results.push({ op: name, ms: Math.round((performance.now() - start) * 1000) / 1000, ...result });
    } catch (e) {
      frames.note(`op ${index} ${name} failed: ${e && e.message}`);
      await closeQuietly(transport);
      return {
        code: 1,
        result: {
          ok: false,
          error: { op: name ?? null, index, name: (e && e.name) || "Error", message: String((e && e.message) || e) },
          ops: results,
          warnings,
          log: terminal.lines.slice(-20),
        },
      };
    }
  }
  await closeQuietly(transport);
  return { code: 0, result: { ok: true, ops: results, warnings } };
}

async function closeQuietly(transport) {
  try {
    await Promise.race([transport.disconnect(), new Promise((r) => setTimeout(r, 2000).unref())]);
  } catch (ignored) {
    // the result is what matters
  }
}

let args;
try {
  args = parseArgs(process.argv.slice(2));
} catch (e) {
  usage(e.message);
}
if (args) {
  const frames = new FrameLog(args.frames);
  setTimeout(() => {
    frames.note("timeout");
    finish({
      ok: false,
      error: { op: null, index: -1, name: "TimeoutError", message: `no result within ${args.timeoutMs} ms` },
      ops: completed,
    }, 2);
  }, args.timeoutMs).unref();
  // Keeps the process alive for the timeout even when esptool-js waits on nothing.
  const keepAlive = setInterval(() => {}, 1 << 30);
  import("esptool-js")
    .then((esptool) => run(args, esptool, frames))
    .then(({ code, result }) => {
      clearInterval(keepAlive);
      finish(result, code);
    })
    .catch((e) => {
      finish({ ok: false, error: { op: null, index: -1, name: e.name || "Error", message: String(e.message || e) }, ops: [] }, 1);
    });
}
