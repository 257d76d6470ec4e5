#!/bin/sh
# emu with the hypervisor extension on, for tests/firmware-run.sh, which
# takes the emulator as one program: EMU names the emu binary.
exec "${EMU:?EMU must name the emu binary}" -cpu rv64,h=on "$@"
