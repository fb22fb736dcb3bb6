// SPDX-License-Identifier: MIT
#ifdef HAVE_SDL

#include "sdl_lib.h"

#include <dlfcn.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* The library's run-time name: SDL2's stable ABI. */
#define SDL_SONAME "libSDL2-2.0.so.0"

#define FN(name) { "SDL_" #name, offsetof(struct sdl_lib, name) }
static const struct {
	const char *symbol;
	size_t offset;
} functions[] = {
	FN(SetHint), FN(InitSubSystem), FN(QuitSubSystem), FN(GetError),
	FN(CreateWindow), FN(DestroyWindow), FN(SetWindowSize), FN(GetWindowID),
	FN(CreateRenderer), FN(DestroyRenderer), FN(GetRendererOutputSize),
	FN(RenderClear), FN(RenderCopy), FN(RenderPresent), FN(CreateTexture),
	FN(DestroyTexture), FN(UpdateTexture), FN(SetTextureBlendMode), FN(PollEvent),
};

const struct sdl_lib *sdl_lib_get(char *why, size_t why_size)
{
	static struct sdl_lib lib;
	static bool loaded;
	void *handle;

	if (loaded)
		return &lib;
	handle = dlopen(SDL_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!handle) {
		snprintf(why, why_size, "SDL2 is not installed (%s)", dlerror());
		return NULL;
	}
	for (size_t i = 0; i < sizeof(functions) / sizeof(functions[0]); i++) {
		void *fn = dlsym(handle, functions[i].symbol);

		if (!fn) {
			snprintf(why, why_size, "%s has no %s", SDL_SONAME, functions[i].symbol);
			dlclose(handle);
			return NULL;
		}
		/* POSIX's way from an object pointer to a function pointer. */
		memcpy((char *)&lib + functions[i].offset, &fn, sizeof(fn));
	}
	loaded = true;
	return &lib;
}

#endif
