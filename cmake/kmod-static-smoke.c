/* Smoke test for modseal::kmod_static: proves the static archives link and work. */
#include <libkmod.h>
#include <stdio.h>

int main(void)
{
	struct kmod_ctx *ctx = kmod_new(NULL, NULL);
	struct kmod_module *mod = NULL;
	int err;

	if (ctx == NULL) {
		fprintf(stderr, "kmod_new failed\n");
		return 1;
	}
	err = kmod_module_new_from_name(ctx, "ext4", &mod);
	if (err < 0) {
		fprintf(stderr, "kmod_module_new_from_name: error %d\n", err);
		kmod_unref(ctx);
		return 1;
	}
	printf("%s\n", kmod_module_get_name(mod));
	kmod_module_unref(mod);
	kmod_unref(ctx);
	return 0;
}
