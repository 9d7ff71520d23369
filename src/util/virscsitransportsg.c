/* placeholder */
typedef int virScsiPlaceholder_virscsitransportsg;
