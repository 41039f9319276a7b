/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cap_t -- the answer of the TPM 1.2 TPM_GetCapability command -- on a
 * kernel whose public headers do not declare it (before 7.3). Those kernels
 * define exactly this union and these __packed structs in the TPM core's
 * private drivers/char/tpm/tpm.h (the same text on 5.10, 6.1, 6.12 and 7.2),
 * the type their exported tpm1_getcap() writes; 7.3 moved the definition to
 * <linux/tpm_command.h>. The layouts are those of the TPM 1.2 specification
 * (big-endian fields, no padding inside the structs; the union is 4-byte aligned by its __be32 members): static_asserts pin each size.
 */
#include <linux/tpm.h>
#include <linux/build_bug.h>

struct stclear_flags_t {
	__be16	tag;
	u8	deactivated;
	u8	disableForceClear;
	u8	physicalPresence;
	u8	physicalPresenceLock;
	u8	bGlobalLock;
} __packed;

struct tpm1_version {
	u8 major;
	u8 minor;
	u8 rev_major;
	u8 rev_minor;
} __packed;

struct tpm1_version2 {
	__be16	tag;
	struct tpm1_version version;
} __packed;

struct timeout_t {
	__be32	a;
	__be32	b;
	__be32	c;
	__be32	d;
} __packed;

struct duration_t {
	__be32	tpm_short;
	__be32	tpm_medium;
	__be32	tpm_long;
} __packed;

struct permanent_flags_t {
	__be16	tag;
	u8	disable;
	u8	ownership;
	u8	deactivated;
	u8	readPubek;
	u8	disableOwnerClear;
	u8	allowMaintenance;
	u8	physicalPresenceLifetimeLock;
	u8	physicalPresenceHWEnable;
	u8	physicalPresenceCMDEnable;
	u8	CEKPUsed;
	u8	TPMpost;
	u8	TPMpostLock;
	u8	FIPS;
	u8	operator;
	u8	enableRevokeEK;
	u8	nvLocked;
	u8	readSRKPub;
	u8	tpmEstablished;
	u8	maintenanceDone;
	u8	disableFullDALogicInfo;
} __packed;

typedef union {
	struct	permanent_flags_t perm_flags;
	struct	stclear_flags_t	stclear_flags;
	__u8	owned;
	__be32	num_pcrs;
	struct tpm1_version version1;
	struct tpm1_version2 version2;
	__be32	manufacturer_id;
	struct timeout_t  timeout;
	struct duration_t duration;
} cap_t;

static_assert(sizeof(struct stclear_flags_t) == 7 && sizeof(struct tpm1_version2) == 6 &&
	      sizeof(struct timeout_t) == 16 && sizeof(struct duration_t) == 12 &&
	      sizeof(struct permanent_flags_t) == 22 && sizeof(cap_t) == 24,
	      "kbridge: cap_t's layout is not the TPM 1.2 one");
