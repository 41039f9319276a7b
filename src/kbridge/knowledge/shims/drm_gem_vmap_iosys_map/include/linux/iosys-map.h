/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kbridge rule drm_gem_vmap_iosys_map: struct iosys_map on a kernel that has
 * neither <linux/iosys-map.h> (5.18, 7938f4218168) nor its predecessor
 * <linux/dma-buf-map.h> (5.11): the kernel never sees such a map (its GEM and
 * dma-buf vmap callbacks pass bare addresses), so the struct is the driver's
 * and the layer's own: the address of a mapping and whether it is I/O memory,
 * with the helpers a driver fills and reads it with, written to the contract
 * of 5.18+'s: a map is NULL when its address is; set_vaddr*() set both fields;
 * is_equal() compares kind and address; clear() makes it NULL system memory;
 * the copy/set/increment helpers use memcpy_toio()/memcpy_fromio()/memset_io()
 * for I/O memory and the plain functions otherwise. The typed accessors
 * (iosys_map_rd/wr and their _field forms) are not provided: a driver using
 * them does not build here.
 */
#if __has_include_next(<linux/iosys-map.h>)
#include_next <linux/iosys-map.h>
#elif !defined(KB_IOSYS_MAP_H)
#define KB_IOSYS_MAP_H
#include <linux/compiler.h>
#include <linux/io.h>
#include <linux/string.h>
#include <linux/types.h>

struct iosys_map {
	union {
		void __iomem *vaddr_iomem;
		void *vaddr;
	};
	bool is_iomem;
};

#define IOSYS_MAP_INIT_VADDR(vaddr_)		{ .vaddr = (vaddr_), .is_iomem = false, }
#define IOSYS_MAP_INIT_VADDR_IOMEM(vaddr_iomem_) { .vaddr_iomem = (vaddr_iomem_), .is_iomem = true, }

static inline void iosys_map_set_vaddr(struct iosys_map *map, void *vaddr)
{
	map->vaddr = vaddr;
	map->is_iomem = false;
}

static inline void iosys_map_set_vaddr_iomem(struct iosys_map *map, void __iomem *vaddr_iomem)
{
	map->vaddr_iomem = vaddr_iomem;
	map->is_iomem = true;
}

static inline bool iosys_map_is_equal(const struct iosys_map *lhs, const struct iosys_map *rhs)
{
	if (lhs->is_iomem != rhs->is_iomem)
		return false;
	return lhs->is_iomem ? lhs->vaddr_iomem == rhs->vaddr_iomem : lhs->vaddr == rhs->vaddr;
}

static inline bool iosys_map_is_null(const struct iosys_map *map)
{
	return map->is_iomem ? !map->vaddr_iomem : !map->vaddr;
}

static inline bool iosys_map_is_set(const struct iosys_map *map)
{
	return !iosys_map_is_null(map);
}

static inline void iosys_map_clear(struct iosys_map *map)
{
	if (map->is_iomem) {
		map->vaddr_iomem = NULL;
		map->is_iomem = false;
	} else {
		map->vaddr = NULL;
	}
}

static inline void iosys_map_memcpy_to(struct iosys_map *dst, size_t dst_offset,
				       const void *src, size_t len)
{
	if (dst->is_iomem)
		memcpy_toio(dst->vaddr_iomem + dst_offset, src, len);
	else
		memcpy(dst->vaddr + dst_offset, src, len);
}

static inline void iosys_map_memcpy_from(void *dst, const struct iosys_map *src,
					 size_t src_offset, size_t len)
{
	if (src->is_iomem)
		memcpy_fromio(dst, src->vaddr_iomem + src_offset, len);
	else
		memcpy(dst, src->vaddr + src_offset, len);
}

static inline void iosys_map_incr(struct iosys_map *map, size_t incr)
{
	if (map->is_iomem)
		map->vaddr_iomem += incr;
	else
		map->vaddr += incr;
}

static inline void iosys_map_memset(struct iosys_map *dst, size_t offset, int value, size_t len)
{
	if (dst->is_iomem)
		memset_io(dst->vaddr_iomem + offset, value, len);
	else
		memset(dst->vaddr + offset, value, len);
}
#endif
