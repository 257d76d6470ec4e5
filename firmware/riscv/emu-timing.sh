#!/bin/sh
# emu under the timing model EMU_TIMING, for tests/firmware-run.sh, which
# takes the emulator as one program: EMU names the emu binary.
exec "${EMU:?EMU must name the emu binary}" --timing "${EMU_TIMING:?EMU_TIMING must name a timing model}" "$@"
