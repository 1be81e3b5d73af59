//! Adding and dropping a table's columns one ALTER TABLE at a time: SQLite
//! changes one column per statement.

use sea_orm_migration::prelude::*;

/// Adds `columns` to `table`.
pub(crate) async fn add_columns(
    manager: &SchemaManager<'_>,
    table: impl IntoTableRef + Copy,
    columns: impl IntoIterator<Item = ColumnDef>,
) -> Result<(), DbErr> {
    for column in columns {
        manager
            .alter_table(Table::alter().table(table).add_column(column).to_owned())
            .await?;
    }
    Ok(())
}

/// Drops `columns` from `table`.
pub(crate) async fn drop_columns(
    manager: &SchemaManager<'_>,
    table: impl IntoTableRef + Copy,
    columns: impl IntoIterator<Item = impl IntoIden>,
) -> Result<(), DbErr> {
    for column in columns {
        manager
            .alter_table(Table::alter().table(table).drop_column(column).to_owned())
            .await?;
    }
    Ok(())
}
