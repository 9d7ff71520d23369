/* placeholder */
typedef int virScsiPlaceholder_virscsitransportiscsi;
