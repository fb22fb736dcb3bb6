/* SPDX-License-Identifier: MIT */
/*
 * SDL2, loaded when the first SDL display opens rather than linked: an
 * adapter that shows no window then neither needs the library installed
 * nor loads it and its fifty dependencies at every start (a quarter of a
 * second under TCG, four times the cost of starting a small program).
 */
#ifndef VLB_GPU_SDL_LIB_H
#define VLB_GPU_SDL_LIB_H

#include <stddef.h>

#include <SDL.h>

/* The SDL functions the view calls, by their names without "SDL_". */
struct sdl_lib {
	__typeof__(SDL_SetHint) *SetHint;
	__typeof__(SDL_InitSubSystem) *InitSubSystem;
	__typeof__(SDL_QuitSubSystem) *QuitSubSystem;
	__typeof__(SDL_GetError) *GetError;
	__typeof__(SDL_CreateWindow) *CreateWindow;
	__typeof__(SDL_DestroyWindow) *DestroyWindow;
	__typeof__(SDL_SetWindowSize) *SetWindowSize;
	__typeof__(SDL_GetWindowID) *GetWindowID;
	__typeof__(SDL_CreateRenderer) *CreateRenderer;
	__typeof__(SDL_DestroyRenderer) *DestroyRenderer;
	__typeof__(SDL_GetRendererOutputSize) *GetRendererOutputSize;
	__typeof__(SDL_RenderClear) *RenderClear;
	__typeof__(SDL_RenderCopy) *RenderCopy;
	__typeof__(SDL_RenderPresent) *RenderPresent;
	__typeof__(SDL_CreateTexture) *CreateTexture;
	__typeof__(SDL_DestroyTexture) *DestroyTexture;
	__typeof__(SDL_UpdateTexture) *UpdateTexture;
	__typeof__(SDL_SetTextureBlendMode) *SetTextureBlendMode;
	__typeof__(SDL_PollEvent) *PollEvent;
};

/* The library's functions (loaded once, then kept), or NULL with the
 * reason in why. */
const struct sdl_lib *sdl_lib_get(char *why, size_t why_size);

#endif
