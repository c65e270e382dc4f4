package dev.flota.flash.loader;

import dev.flota.flash.serial.LoaderErrorCode;
import dev.flota.flash.serial.LoaderRequest;
import java.io.IOException;

/**
 * MEM_BEGIN/DATA/END: the host uploads the flasher stub into RAM, and MEM_END(0, entry) starts it. The bytes are
 * checked (length, checksum, the size MEM_BEGIN declared) and dropped; what runs afterwards is the simulated stub,
 * which announces itself with the unsolicited {@code OHAI} frame.
 */
final class StubUpload {

    private final LoaderMachine machine;
    private long remaining = -1;

    StubUpload(LoaderMachine machine) {
        this.machine = machine;
    }

    void reset() {
        remaining = -1;
    }

    void begin(LoaderRequest request, LoaderMachine.Wire wire) throws IOException {
        LoaderMachine.requireLength(request, 16);
        remaining = request.word(0) & 0xFFFFFFFFL;
        machine.ok(wire, request.opcode());
    }

    void data(LoaderRequest request, LoaderMachine.Wire wire) throws IOException {
        int op = request.opcode();
        if (remaining < 0) {
            machine.fail(wire, op, LoaderErrorCode.ROM_INVALID_PARAMETER, LoaderErrorCode.NOT_IN_FLASH_MODE);
            return;
        }
        if (request.length() < LoaderRequest.BLOCK_HEADER_LENGTH
                || request.word(0) != request.length() - LoaderRequest.BLOCK_HEADER_LENGTH) {
            machine.fail(wire, op, LoaderErrorCode.ROM_INVALID_PARAMETER, LoaderErrorCode.BAD_DATA_LEN);
            return;
        }
        if (request.blockChecksum() != request.checksum()) {
            machine.fail(wire, op, LoaderErrorCode.ROM_CHECKSUM, LoaderErrorCode.BAD_DATA_CHECKSUM);
            return;
        }
        if (request.word(0) > remaining) {
            machine.fail(wire, op, LoaderErrorCode.ROM_INVALID_RAM_SIZE, LoaderErrorCode.TOO_MUCH_DATA);
            return;
        }
        remaining -= request.word(0);
        machine.ok(wire, op);
    }

    /** MEM_END: with flag 0 the uploaded code runs, so the stub's dialect starts after the OHAI frame. */
    void end(LoaderRequest request, LoaderMachine.Wire wire) throws IOException {
        LoaderMachine.requireLength(request, 8);
        boolean execute = request.word(0) == 0;
        remaining = -1;
        machine.ok(wire, request.opcode());
        if (execute) {
            wire.send(LoaderMachine.OHAI);
            machine.stubStarted();
        }
    }
}
