// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * bpf_drop_line_info OBJ: remove the line info from a BPF object's .BTF.ext,
 * in place (build step, see the Makefile).
 *
 * clang's line info is 95 % of .BTF.ext (670 KB in a latency object) and is
 * only read to annotate verifier logs with source lines. libbpf copies and
 * walks the whole section at every open, so it costs start-up time and peak
 * memory in every run. The CO-RE records that follow it move down, the
 * relocations of .rel.BTF.ext follow their records (those of line records
 * go), and the file shrinks: what follows the section moves down by a
 * multiple of 8 bytes (their alignment), the rest is padding.
 */
#include <elf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct btf_ext_hdr {            /* include/uapi/linux/btf.h's struct btf_ext_header */
	uint16_t magic;
	uint8_t version, flags;
	uint32_t hdr_len;
	uint32_t func_info_off, func_info_len;
	uint32_t line_info_off, line_info_len;
	uint32_t core_relo_off, core_relo_len;  /* in headers of 32 bytes and more */
};

static unsigned char *img;
static size_t img_len;

static int die(const char *path, const char *why)
{
	fprintf(stderr, "bpf_drop_line_info: %s: %s\n", path, why);
	return 1;
}

static Elf64_Shdr *section(const char *name)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)img;
	Elf64_Shdr *sh = (Elf64_Shdr *)(img + eh->e_shoff);
	const char *names = (const char *)img + sh[eh->e_shstrndx].sh_offset;

	for (int i = 0; i < eh->e_shnum; i++)
		if (!strcmp(names + sh[i].sh_name, name))
			return &sh[i];
	return NULL;
}

/* Where a byte at @off of the old section is now: -1 for a line record. */
static long long moved(const struct btf_ext_hdr *h, uint64_t off)
{
	uint64_t lo = h->hdr_len + h->line_info_off, hi = lo + h->line_info_len;

	if (off < lo)
		return (long long)off;
	if (off < hi)
		return -1;
	return (long long)(off - h->line_info_len);
}

static void drop_relocations(const struct btf_ext_hdr *h)
{
	Elf64_Shdr *rs = section(".rel.BTF.ext");
	size_t n = 0;

	if (!rs)
		return;
	for (size_t i = 0; i < rs->sh_size / sizeof(Elf64_Rel); i++) {
		Elf64_Rel *r = (Elf64_Rel *)(img + rs->sh_offset) + i;
		long long to = moved(h, r->r_offset);

		if (to < 0)
			continue;
		r->r_offset = (uint64_t)to;
		((Elf64_Rel *)(img + rs->sh_offset))[n++] = *r;
	}
	rs->sh_size = n * sizeof(Elf64_Rel);
}

/* Remove @len bytes at file offset @at (a multiple of 8): later sections
 * and the section header table move down. */
static void cut_file(uint64_t at, uint64_t len)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)img;
	Elf64_Shdr *sh;

	if (eh->e_shoff >= at)
		eh->e_shoff -= len;
	memmove(img + at, img + at + len, img_len - at - len);
	img_len -= len;
	sh = (Elf64_Shdr *)(img + eh->e_shoff);
	for (int i = 0; i < eh->e_shnum; i++)
		if (sh[i].sh_type != SHT_NOBITS && sh[i].sh_offset >= at + len)
			sh[i].sh_offset -= len;
}

int main(int argc, char **argv)
{
	struct btf_ext_hdr h;
	Elf64_Shdr *sec;
	unsigned char *data;
	uint64_t lo, hi, end, cut;
	FILE *f;

	if (argc != 2)
		return fprintf(stderr, "usage: bpf_drop_line_info OBJ\n"), 2;
	f = fopen(argv[1], "rb");
	if (!f)
		return die(argv[1], "cannot open");
	fseek(f, 0, SEEK_END);
	img_len = (size_t)ftell(f);
	rewind(f);
	img = malloc(img_len);
	if (!img || fread(img, 1, img_len, f) != img_len)
		return die(argv[1], "cannot read");
	fclose(f);
	if (img_len < sizeof(Elf64_Ehdr) || memcmp(img, ELFMAG, SELFMAG) ||
	    img[EI_CLASS] != ELFCLASS64 || img[EI_DATA] != ELFDATA2LSB)
		return die(argv[1], "not a 64-bit little-endian ELF object");
	sec = section(".BTF.ext");
	if (!sec)
		return 0;               /* nothing to do */
	data = img + sec->sh_offset;
	memcpy(&h, data, sizeof(h));
	if (h.magic != 0xeB9F || h.hdr_len < sizeof(h) || h.hdr_len > sec->sh_size)
		return die(argv[1], "unexpected .BTF.ext header");
	if (!h.line_info_len)
		return 0;
	lo = h.hdr_len + h.line_info_off;
	hi = lo + h.line_info_len;
	if (hi > sec->sh_size || (h.func_info_len && h.func_info_off >= h.line_info_off) ||
	    (h.core_relo_len && h.core_relo_off < h.line_info_off + h.line_info_len))
		return die(argv[1], "unexpected .BTF.ext layout (func info, line info, CO-RE)");
	memmove(data + lo, data + hi, sec->sh_size - hi);
	if (h.core_relo_len)
		h.core_relo_off -= h.line_info_len;
	drop_relocations(&h);
	sec->sh_size -= h.line_info_len;
	end = sec->sh_offset + sec->sh_size;   /* dead: [end, end + line_info_len) */
	cut = ((end + h.line_info_len) & ~7ull) - ((end + 7) & ~7ull);
	h.line_info_len = 0;
	memcpy(data, &h, sizeof(h));
	cut_file((end + 7) & ~7ull, cut);
	f = fopen(argv[1], "wb");
	if (!f || fwrite(img, 1, img_len, f) != img_len || fclose(f))
		return die(argv[1], "cannot write");
	return 0;
}
