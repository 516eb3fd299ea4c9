#include "textflag.h"

// func callerFP() unsafe.Pointer
//
// A frameless function: BP is still the caller's frame pointer.
TEXT ·callerFP(SB),NOSPLIT,$0-8
	MOVQ	BP, ret+0(FP)
	RET
