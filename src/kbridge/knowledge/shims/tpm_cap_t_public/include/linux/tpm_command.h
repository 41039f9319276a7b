/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kbridge: <linux/tpm_command.h> for a driver written before 7.3 that carries the TPM
 * core's private tpm.h (xen-tpmfront of 5.10 .. 7.2), on a kernel whose public
 * <linux/tpm_command.h> now defines the same TPM 1.2/2.0 types (rule tpm_cap_t_public,
 * old_on_new): cap_t, the structs of its members, enum tpm_capabilities,
 * tpm_sub_capabilities and tpm2_pt_props with their enumerators. The driver defines them
 * itself, text for text as the kernel does (the same members, values and __packed), so
 * while the kernel's header is read its copies take kb_kernel_ names, and the driver's own
 * definitions are the only ones it sees: no kernel function or later kernel header uses
 * them (7.3's headers name them only here). Elsewhere -- a driver that takes these types
 * from the kernel (7.3's own), or a kernel without them -- the header is the kernel's.
 */
#if defined(KB_TPM_CAP_T_OLD_ON_NEW) && defined(KB_HAVE_TPM_CAP_T_PUBLIC) && \
	!defined(KB_TPM_COMMAND_RENAMING)
#define KB_TPM_COMMAND_RENAMING
#define cap_t kb_kernel_cap_t
#define stclear_flags_t kb_kernel_stclear_flags_t
#define tpm1_version kb_kernel_tpm1_version
#define tpm1_version2 kb_kernel_tpm1_version2
#define timeout_t kb_kernel_timeout_t
#define duration_t kb_kernel_duration_t
#define permanent_flags_t kb_kernel_permanent_flags_t
#define tpm_capabilities kb_kernel_tpm_capabilities
#define tpm_sub_capabilities kb_kernel_tpm_sub_capabilities
#define tpm2_pt_props kb_kernel_tpm2_pt_props
#define TPM_CAP_FLAG kb_kernel_TPM_CAP_FLAG
#define TPM_CAP_PROP kb_kernel_TPM_CAP_PROP
#define TPM_CAP_VERSION_1_1 kb_kernel_TPM_CAP_VERSION_1_1
#define TPM_CAP_VERSION_1_2 kb_kernel_TPM_CAP_VERSION_1_2
#define TPM_CAP_PROP_PCR kb_kernel_TPM_CAP_PROP_PCR
#define TPM_CAP_PROP_MANUFACTURER kb_kernel_TPM_CAP_PROP_MANUFACTURER
#define TPM_CAP_FLAG_PERM kb_kernel_TPM_CAP_FLAG_PERM
#define TPM_CAP_FLAG_VOL kb_kernel_TPM_CAP_FLAG_VOL
#define TPM_CAP_PROP_OWNER kb_kernel_TPM_CAP_PROP_OWNER
#define TPM_CAP_PROP_TIS_TIMEOUT kb_kernel_TPM_CAP_PROP_TIS_TIMEOUT
#define TPM_CAP_PROP_TIS_DURATION kb_kernel_TPM_CAP_PROP_TIS_DURATION
#define TPM2_PT_NONE kb_kernel_TPM2_PT_NONE
#define TPM2_PT_GROUP kb_kernel_TPM2_PT_GROUP
#define TPM2_PT_FIXED kb_kernel_TPM2_PT_FIXED
#define TPM2_PT_FAMILY_INDICATOR kb_kernel_TPM2_PT_FAMILY_INDICATOR
#define TPM2_PT_LEVEL kb_kernel_TPM2_PT_LEVEL
#define TPM2_PT_REVISION kb_kernel_TPM2_PT_REVISION
#define TPM2_PT_DAY_OF_YEAR kb_kernel_TPM2_PT_DAY_OF_YEAR
#define TPM2_PT_YEAR kb_kernel_TPM2_PT_YEAR
#define TPM2_PT_MANUFACTURER kb_kernel_TPM2_PT_MANUFACTURER
#define TPM2_PT_VENDOR_STRING_1 kb_kernel_TPM2_PT_VENDOR_STRING_1
#define TPM2_PT_VENDOR_STRING_2 kb_kernel_TPM2_PT_VENDOR_STRING_2
#define TPM2_PT_VENDOR_STRING_3 kb_kernel_TPM2_PT_VENDOR_STRING_3
#define TPM2_PT_VENDOR_STRING_4 kb_kernel_TPM2_PT_VENDOR_STRING_4
#define TPM2_PT_VENDOR_TPM_TYPE kb_kernel_TPM2_PT_VENDOR_TPM_TYPE
#define TPM2_PT_FIRMWARE_VERSION_1 kb_kernel_TPM2_PT_FIRMWARE_VERSION_1
#define TPM2_PT_FIRMWARE_VERSION_2 kb_kernel_TPM2_PT_FIRMWARE_VERSION_2
#define TPM2_PT_INPUT_BUFFER kb_kernel_TPM2_PT_INPUT_BUFFER
#define TPM2_PT_HR_TRANSIENT_MIN kb_kernel_TPM2_PT_HR_TRANSIENT_MIN
#define TPM2_PT_HR_PERSISTENT_MIN kb_kernel_TPM2_PT_HR_PERSISTENT_MIN
#define TPM2_PT_HR_LOADED_MIN kb_kernel_TPM2_PT_HR_LOADED_MIN
#define TPM2_PT_ACTIVE_SESSIONS_MAX kb_kernel_TPM2_PT_ACTIVE_SESSIONS_MAX
#define TPM2_PT_PCR_COUNT kb_kernel_TPM2_PT_PCR_COUNT
#define TPM2_PT_PCR_SELECT_MIN kb_kernel_TPM2_PT_PCR_SELECT_MIN
#define TPM2_PT_CONTEXT_GAP_MAX kb_kernel_TPM2_PT_CONTEXT_GAP_MAX
#define TPM2_PT_NV_COUNTERS_MAX kb_kernel_TPM2_PT_NV_COUNTERS_MAX
#define TPM2_PT_NV_INDEX_MAX kb_kernel_TPM2_PT_NV_INDEX_MAX
#define TPM2_PT_MEMORY kb_kernel_TPM2_PT_MEMORY
#define TPM2_PT_CLOCK_UPDATE kb_kernel_TPM2_PT_CLOCK_UPDATE
#define TPM2_PT_CONTEXT_HASH kb_kernel_TPM2_PT_CONTEXT_HASH
#define TPM2_PT_CONTEXT_SYM kb_kernel_TPM2_PT_CONTEXT_SYM
#define TPM2_PT_CONTEXT_SYM_SIZE kb_kernel_TPM2_PT_CONTEXT_SYM_SIZE
#define TPM2_PT_ORDERLY_COUNT kb_kernel_TPM2_PT_ORDERLY_COUNT
#define TPM2_PT_MAX_COMMAND_SIZE kb_kernel_TPM2_PT_MAX_COMMAND_SIZE
#define TPM2_PT_MAX_RESPONSE_SIZE kb_kernel_TPM2_PT_MAX_RESPONSE_SIZE
#define TPM2_PT_MAX_DIGEST kb_kernel_TPM2_PT_MAX_DIGEST
#define TPM2_PT_MAX_OBJECT_CONTEXT kb_kernel_TPM2_PT_MAX_OBJECT_CONTEXT
#define TPM2_PT_MAX_SESSION_CONTEXT kb_kernel_TPM2_PT_MAX_SESSION_CONTEXT
#define TPM2_PT_PS_FAMILY_INDICATOR kb_kernel_TPM2_PT_PS_FAMILY_INDICATOR
#define TPM2_PT_PS_LEVEL kb_kernel_TPM2_PT_PS_LEVEL
#define TPM2_PT_PS_REVISION kb_kernel_TPM2_PT_PS_REVISION
#define TPM2_PT_PS_DAY_OF_YEAR kb_kernel_TPM2_PT_PS_DAY_OF_YEAR
#define TPM2_PT_PS_YEAR kb_kernel_TPM2_PT_PS_YEAR
#define TPM2_PT_SPLIT_MAX kb_kernel_TPM2_PT_SPLIT_MAX
#define TPM2_PT_TOTAL_COMMANDS kb_kernel_TPM2_PT_TOTAL_COMMANDS
#define TPM2_PT_LIBRARY_COMMANDS kb_kernel_TPM2_PT_LIBRARY_COMMANDS
#define TPM2_PT_VENDOR_COMMANDS kb_kernel_TPM2_PT_VENDOR_COMMANDS
#define TPM2_PT_NV_BUFFER_MAX kb_kernel_TPM2_PT_NV_BUFFER_MAX
#define TPM2_PT_MODES kb_kernel_TPM2_PT_MODES
#define TPM2_PT_MAX_CAP_BUFFER kb_kernel_TPM2_PT_MAX_CAP_BUFFER
#define TPM2_PT_VAR kb_kernel_TPM2_PT_VAR
#define TPM2_PT_PERMANENT kb_kernel_TPM2_PT_PERMANENT
#define TPM2_PT_STARTUP_CLEAR kb_kernel_TPM2_PT_STARTUP_CLEAR
#define TPM2_PT_HR_NV_INDEX kb_kernel_TPM2_PT_HR_NV_INDEX
#define TPM2_PT_HR_LOADED kb_kernel_TPM2_PT_HR_LOADED
#define TPM2_PT_HR_LOADED_AVAIL kb_kernel_TPM2_PT_HR_LOADED_AVAIL
#define TPM2_PT_HR_ACTIVE kb_kernel_TPM2_PT_HR_ACTIVE
#define TPM2_PT_HR_ACTIVE_AVAIL kb_kernel_TPM2_PT_HR_ACTIVE_AVAIL
#define TPM2_PT_HR_TRANSIENT_AVAIL kb_kernel_TPM2_PT_HR_TRANSIENT_AVAIL
#define TPM2_PT_HR_PERSISTENT kb_kernel_TPM2_PT_HR_PERSISTENT
#define TPM2_PT_HR_PERSISTENT_AVAIL kb_kernel_TPM2_PT_HR_PERSISTENT_AVAIL
#define TPM2_PT_NV_COUNTERS kb_kernel_TPM2_PT_NV_COUNTERS
#define TPM2_PT_NV_COUNTERS_AVAIL kb_kernel_TPM2_PT_NV_COUNTERS_AVAIL
#define TPM2_PT_ALGORITHM_SET kb_kernel_TPM2_PT_ALGORITHM_SET
#define TPM2_PT_LOADED_CURVES kb_kernel_TPM2_PT_LOADED_CURVES
#define TPM2_PT_LOCKOUT_COUNTER kb_kernel_TPM2_PT_LOCKOUT_COUNTER
#define TPM2_PT_MAX_AUTH_FAIL kb_kernel_TPM2_PT_MAX_AUTH_FAIL
#define TPM2_PT_LOCKOUT_INTERVAL kb_kernel_TPM2_PT_LOCKOUT_INTERVAL
#define TPM2_PT_LOCKOUT_RECOVERY kb_kernel_TPM2_PT_LOCKOUT_RECOVERY
#define TPM2_PT_NV_WRITE_RECOVERY kb_kernel_TPM2_PT_NV_WRITE_RECOVERY
#define TPM2_PT_AUDIT_COUNTER_0 kb_kernel_TPM2_PT_AUDIT_COUNTER_0
#define TPM2_PT_AUDIT_COUNTER_1 kb_kernel_TPM2_PT_AUDIT_COUNTER_1
#include_next <linux/tpm_command.h>
#undef cap_t
#undef stclear_flags_t
#undef tpm1_version
#undef tpm1_version2
#undef timeout_t
#undef duration_t
#undef permanent_flags_t
#undef tpm_capabilities
#undef tpm_sub_capabilities
#undef tpm2_pt_props
#undef TPM_CAP_FLAG
#undef TPM_CAP_PROP
#undef TPM_CAP_VERSION_1_1
#undef TPM_CAP_VERSION_1_2
#undef TPM_CAP_PROP_PCR
#undef TPM_CAP_PROP_MANUFACTURER
#undef TPM_CAP_FLAG_PERM
#undef TPM_CAP_FLAG_VOL
#undef TPM_CAP_PROP_OWNER
#undef TPM_CAP_PROP_TIS_TIMEOUT
#undef TPM_CAP_PROP_TIS_DURATION
#undef TPM2_PT_NONE
#undef TPM2_PT_GROUP
#undef TPM2_PT_FIXED
#undef TPM2_PT_FAMILY_INDICATOR
#undef TPM2_PT_LEVEL
#undef TPM2_PT_REVISION
#undef TPM2_PT_DAY_OF_YEAR
#undef TPM2_PT_YEAR
#undef TPM2_PT_MANUFACTURER
#undef TPM2_PT_VENDOR_STRING_1
#undef TPM2_PT_VENDOR_STRING_2
#undef TPM2_PT_VENDOR_STRING_3
#undef TPM2_PT_VENDOR_STRING_4
#undef TPM2_PT_VENDOR_TPM_TYPE
#undef TPM2_PT_FIRMWARE_VERSION_1
#undef TPM2_PT_FIRMWARE_VERSION_2
#undef TPM2_PT_INPUT_BUFFER
#undef TPM2_PT_HR_TRANSIENT_MIN
#undef TPM2_PT_HR_PERSISTENT_MIN
#undef TPM2_PT_HR_LOADED_MIN
#undef TPM2_PT_ACTIVE_SESSIONS_MAX
#undef TPM2_PT_PCR_COUNT
#undef TPM2_PT_PCR_SELECT_MIN
#undef TPM2_PT_CONTEXT_GAP_MAX
#undef TPM2_PT_NV_COUNTERS_MAX
#undef TPM2_PT_NV_INDEX_MAX
#undef TPM2_PT_MEMORY
#undef TPM2_PT_CLOCK_UPDATE
#undef TPM2_PT_CONTEXT_HASH
#undef TPM2_PT_CONTEXT_SYM
#undef TPM2_PT_CONTEXT_SYM_SIZE
#undef TPM2_PT_ORDERLY_COUNT
#undef TPM2_PT_MAX_COMMAND_SIZE
#undef TPM2_PT_MAX_RESPONSE_SIZE
#undef TPM2_PT_MAX_DIGEST
#undef TPM2_PT_MAX_OBJECT_CONTEXT
#undef TPM2_PT_MAX_SESSION_CONTEXT
#undef TPM2_PT_PS_FAMILY_INDICATOR
#undef TPM2_PT_PS_LEVEL
#undef TPM2_PT_PS_REVISION
#undef TPM2_PT_PS_DAY_OF_YEAR
#undef TPM2_PT_PS_YEAR
#undef TPM2_PT_SPLIT_MAX
#undef TPM2_PT_TOTAL_COMMANDS
#undef TPM2_PT_LIBRARY_COMMANDS
#undef TPM2_PT_VENDOR_COMMANDS
#undef TPM2_PT_NV_BUFFER_MAX
#undef TPM2_PT_MODES
#undef TPM2_PT_MAX_CAP_BUFFER
#undef TPM2_PT_VAR
#undef TPM2_PT_PERMANENT
#undef TPM2_PT_STARTUP_CLEAR
#undef TPM2_PT_HR_NV_INDEX
#undef TPM2_PT_HR_LOADED
#undef TPM2_PT_HR_LOADED_AVAIL
#undef TPM2_PT_HR_ACTIVE
#undef TPM2_PT_HR_ACTIVE_AVAIL
#undef TPM2_PT_HR_TRANSIENT_AVAIL
#undef TPM2_PT_HR_PERSISTENT
#undef TPM2_PT_HR_PERSISTENT_AVAIL
#undef TPM2_PT_NV_COUNTERS
#undef TPM2_PT_NV_COUNTERS_AVAIL
#undef TPM2_PT_ALGORITHM_SET
#undef TPM2_PT_LOADED_CURVES
#undef TPM2_PT_LOCKOUT_COUNTER
#undef TPM2_PT_MAX_AUTH_FAIL
#undef TPM2_PT_LOCKOUT_INTERVAL
#undef TPM2_PT_LOCKOUT_RECOVERY
#undef TPM2_PT_NV_WRITE_RECOVERY
#undef TPM2_PT_AUDIT_COUNTER_0
#undef TPM2_PT_AUDIT_COUNTER_1
#undef KB_TPM_COMMAND_RENAMING
#else
#include_next <linux/tpm_command.h>
#endif
