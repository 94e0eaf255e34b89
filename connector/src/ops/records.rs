//! What an extraction does to each record, in order: keep it only if every condition holds
//! (`filter`), keep the chosen fields in the chosen order (`select`, else every field in the
//! file's order), convert values (`convert`), and rename fields (`rename`). Field references
//! (in `filter`, `select`, `convert` and `rename`) are the source's names: a column name, a
//! top-level JSON key, or a JSON pointer (`/customer/id`) into a JSON record. Pure.

use crate::error::{ConnectorError, Result};
use crate::names::named_enum;
use crate::protocol::time_format;
use serde::Deserialize;
use serde_json::{Map, Number, Value};

/// A record: its fields in order.
pub(super) type Record = Vec<(String, Value)>;

named_enum! {
    /// How a condition compares a field with its value.
    pub(super) enum Comparison {
        /// Equal (numerically when both are numbers).
        Eq = "eq",
        /// Not equal.
        Ne = "ne",
        /// Less than.
        Lt = "lt",
        /// Less than or equal.
        Le = "le",
        /// Greater than.
        Gt = "gt",
        /// Greater than or equal.
        Ge = "ge",
        /// The text contains the value.
        Contains = "contains",
        /// The text starts with the value.
        StartsWith = "starts_with",
        /// The text ends with the value.
        EndsWith = "ends_with",
        /// The field is there and not null.
        Exists = "exists",
        /// The field is absent or null.
        Missing = "missing",
        /// The field is absent, null or "".
        Empty = "empty",
        /// The field is there and not "".
        NotEmpty = "not_empty",
    }
}

named_enum! {
    /// What a field's value becomes.
    pub(super) enum Conversion {
        /// A number (integer when it has no fraction); "" becomes null.
        Number = "number",
        /// An integer; "" becomes null.
        Integer = "integer",
        /// true/false from true/false, yes/no, y/n, 1/0 (any case); "" becomes null.
        Boolean = "boolean",
        /// A date (`2024-05-01`, `2024/05/01`) as `YYYY-MM-DD`, or a date-time (RFC 3339) in UTC.
        Date = "date",
        /// Text.
        String = "string",
        /// "" becomes null; anything else stays.
        NullIfEmpty = "null_if_empty",
    }
}

named_enum! {
    /// What a value that cannot be converted does.
    pub(super) enum OnError {
        /// The extraction fails, naming the line and the field.
        Fail = "fail",
        /// The value becomes null.
        Null = "null",
        /// The record is left out.
        Skip = "skip",
    }
}

/// One condition of a filter.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Condition {
    /// The field.
    pub field: String,
    /// How to compare.
    pub op: Comparison,
    /// What to compare with (not used by exists/missing/empty/not_empty).
    #[serde(default)]
    pub value: Option<Value>,
}

/// Everything done to each record.
#[derive(Debug, Clone, Default)]
pub(super) struct Transform {
    /// Conditions that must all hold.
    pub filter: Vec<Condition>,
    /// Fields to keep, in this order (all, in the file's order, when empty).
    pub select: Vec<String>,
    /// Conversions by field.
    pub convert: Vec<(String, Conversion)>,
    /// New names by field.
    pub rename: Vec<(String, String)>,
    /// What a failed conversion does.
    pub on_error: Option<OnError>,
}

impl Transform {
    /// `record` (from line `line` of the source) transformed, or `None` when it is left out.
    pub(super) fn apply(&self, record: Record, line: u64) -> Result<Option<Record>> {
        if !self.filter.iter().all(|condition| holds(condition, field(&record, &condition.field))) {
            return Ok(None);
        }
        let mut out: Record = if self.select.is_empty() {
            record
        } else {
            self.select
                .iter()
                .map(|name| (output_name(name), field(&record, name).cloned().unwrap_or(Value::Null)))
                .collect()
        };
        for (name, conversion) in &self.convert {
            let key = output_name(name);
            let Some(slot) = out.iter_mut().find(|(field, _)| *field == key) else { continue };
            match convert(&slot.1, *conversion) {
                Ok(value) => slot.1 = value,
                Err(why) => match self.on_error.unwrap_or(OnError::Fail) {
                    OnError::Fail => {
                        return Err(ConnectorError::invalid_input(
                            "/convert",
                            format!(
                                "line {line}, field {name:?}: {why} (set on_error to \"null\" or \"skip\" to go on)"
                            ),
                        ));
                    }
                    OnError::Null => slot.1 = Value::Null,
                    OnError::Skip => return Ok(None),
                },
            }
        }
        for (from, to) in &self.rename {
            let key = output_name(from);
            if let Some(slot) = out.iter_mut().find(|(field, _)| *field == key) {
                slot.0.clone_from(to);
            }
        }
        Ok(Some(out))
    }
}

/// The record as a JSON object, in its field order.
pub(super) fn to_object(record: Record) -> Value {
    Value::Object(record.into_iter().collect::<Map<String, Value>>())
}

/// The name a selected field gets: a pointer's last token, else the name itself.
fn output_name(name: &str) -> String {
    match name.strip_prefix('/') {
        Some(pointer) => pointer.rsplit('/').next().unwrap_or(pointer).replace("~1", "/").replace("~0", "~"),
        None => name.to_string(),
    }
}

/// Field `name` of `record`: a top-level field, or a JSON pointer into it.
fn field<'r>(record: &'r Record, name: &str) -> Option<&'r Value> {
    if let Some(value) = record.iter().find(|(field, _)| field == name).map(|(_, value)| value) {
        return Some(value);
    }
    let pointer = name.strip_prefix('/')?;
    let (first, rest) = pointer.split_once('/').unwrap_or((pointer, ""));
    let first = first.replace("~1", "/").replace("~0", "~");
    let top = record.iter().find(|(field, _)| *field == first).map(|(_, value)| value)?;
    if rest.is_empty() { Some(top) } else { top.pointer(&format!("/{rest}")) }
}

/// Whether `condition` holds for `value` (absent: `None`).
fn holds(condition: &Condition, value: Option<&Value>) -> bool {
    let present = value.filter(|v| !v.is_null());
    let blank = present.is_none_or(|v| v.as_str() == Some(""));
    let wanted = condition.value.as_ref().unwrap_or(&Value::Null);
    match condition.op {
        Comparison::Exists => present.is_some(),
        Comparison::Missing => present.is_none(),
        Comparison::Empty => blank,
        Comparison::NotEmpty => !blank,
        Comparison::Contains | Comparison::StartsWith | Comparison::EndsWith => {
            let (Some(text), wanted) = (present.map(text_of), text_of(wanted)) else { return false };
            match condition.op {
                Comparison::Contains => text.contains(&wanted),
                Comparison::StartsWith => text.starts_with(&wanted),
                _ => text.ends_with(&wanted),
            }
        }
        comparison => {
            let Some(value) = present else { return comparison == Comparison::Ne && !wanted.is_null() };
            let order = match (number_of(value), number_of(wanted)) {
                (Some(a), Some(b)) => a.partial_cmp(&b),
                _ => Some(text_of(value).cmp(&text_of(wanted))),
            };
            let Some(order) = order else { return false };
            match comparison {
                Comparison::Eq => order.is_eq(),
                Comparison::Ne => order.is_ne(),
                Comparison::Lt => order.is_lt(),
                Comparison::Le => order.is_le(),
                Comparison::Gt => order.is_gt(),
                _ => order.is_ge(),
            }
        }
    }
}

/// A value as text: a string as it is, anything else as JSON.
fn text_of(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// A value as a number: a JSON number, or text that reads as one.
fn number_of(value: &Value) -> Option<f64> {
    match value {
        Value::Number(number) => number.as_f64(),
        Value::String(text) => text.trim().parse().ok().filter(|n: &f64| n.is_finite()),
        _ => None,
    }
}

/// `value` converted, or why it cannot be.
fn convert(value: &Value, conversion: Conversion) -> std::result::Result<Value, String> {
    let text = match value {
        Value::Null => return Ok(Value::Null),
        Value::String(text) => text.trim(),
        _ => "",
    };
    let empty = matches!(value, Value::String(_)) && text.is_empty();
    match conversion {
        Conversion::String => Ok(Value::String(text_of(value))),
        Conversion::NullIfEmpty => Ok(if empty { Value::Null } else { value.clone() }),
        _ if empty => Ok(Value::Null),
        Conversion::Number => {
            let number = number_of(value).ok_or_else(|| format!("{} is not a number", shown(value)))?;
            Ok(whole(number).map_or_else(|| Number::from_f64(number).map_or(Value::Null, Value::Number), Value::from))
        }
        Conversion::Integer => {
            let number = number_of(value).ok_or_else(|| format!("{} is not a number", shown(value)))?;
            whole(number).map(Value::from).ok_or_else(|| format!("{} is not an integer", shown(value)))
        }
        Conversion::Boolean => match value {
            Value::Bool(flag) => Ok(Value::Bool(*flag)),
            _ => match text.to_ascii_lowercase().as_str() {
                "true" | "yes" | "y" | "1" => Ok(Value::Bool(true)),
                "false" | "no" | "n" | "0" => Ok(Value::Bool(false)),
                _ => Err(format!("{} is not a boolean (true/false, yes/no, 1/0)", shown(value))),
            },
        },
        Conversion::Date => {
            date(text).ok_or_else(|| format!("{} is not a date (2024-05-01) or an RFC 3339 time", shown(value)))
        }
    }
}

/// `number` as an integer, when it has no fraction and fits.
fn whole(number: f64) -> Option<i64> {
    (number.fract() == 0.0 && number.abs() < 9.0e15).then_some(number as i64)
}

/// A date or date-time, normalised.
fn date(text: &str) -> Option<Value> {
    if let Some(instant) = time_format::parse_rfc3339(text) {
        return time_format::format_rfc3339(instant).map(Value::String);
    }
    let (year, month, day) = time_format::parse_date(text)?;
    Some(Value::String(format!("{year:04}-{month:02}-{day:02}")))
}

/// A value as an error shows it: short, quoted.
fn shown(value: &Value) -> String {
    let text = text_of(value);
    let short: String = text.chars().take(40).collect();
    if short.len() < text.len() { format!("{short:?}…") } else { format!("{short:?}") }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(pairs: &[(&str, Value)]) -> Record {
        pairs.iter().map(|(k, v)| ((*k).to_string(), v.clone())).collect()
    }

    fn condition(field: &str, op: Comparison, value: Value) -> Condition {
        Condition { field: field.into(), op, value: Some(value) }
    }

    #[test]
    fn filters_compare_numbers_as_numbers_and_text_as_text() {
        let row = record(&[("amount", json!("120")), ("region", json!("north")), ("note", json!(""))]);
        let check = |c: Condition| holds(&c, field(&row, &c.field));
        assert!(check(condition("amount", Comparison::Gt, json!(99))), "120 > 99 as numbers, not as text");
        assert!(check(condition("amount", Comparison::Eq, json!("120.0"))));
        assert!(check(condition("region", Comparison::StartsWith, json!("no"))));
        assert!(!check(condition("region", Comparison::Lt, json!("east"))));
        assert!(check(condition("note", Comparison::Empty, Value::Null)));
        assert!(check(condition("absent", Comparison::Missing, Value::Null)));
        assert!(!check(condition("absent", Comparison::Eq, json!("x"))));
        assert!(check(condition("absent", Comparison::Ne, json!("x"))));
    }

    #[test]
    fn records_are_filtered_selected_converted_and_renamed_in_the_order_given() {
        let transform = Transform {
            filter: vec![condition("/customer/tier", Comparison::Eq, json!("gold"))],
            select: vec!["amount".into(), "/customer/id".into(), "when".into()],
            convert: vec![("amount".into(), Conversion::Number), ("when".into(), Conversion::Date)],
            rename: vec![("id".into(), "customer_id".into())],
            on_error: None,
        };
        let gold = record(&[
            ("when", json!("2024/05/01")),
            ("customer", json!({"id": 7, "tier": "gold"})),
            ("amount", json!("12.50")),
        ]);
        let out = transform.apply(gold, 3).unwrap().unwrap();
        assert_eq!(to_object(out).to_string(), r#"{"amount":12.5,"customer_id":7,"when":"2024-05-01"}"#);
        let silver = record(&[("customer", json!({"tier": "silver"}))]);
        assert_eq!(transform.apply(silver, 4).unwrap(), None);
    }

    #[test]
    fn conversions_and_their_failures() {
        assert_eq!(convert(&json!("42"), Conversion::Integer), Ok(json!(42)));
        assert_eq!(convert(&json!("4.5"), Conversion::Number), Ok(json!(4.5)));
        assert_eq!(convert(&json!(""), Conversion::Number), Ok(Value::Null));
        assert_eq!(convert(&json!("Yes"), Conversion::Boolean), Ok(json!(true)));
        assert_eq!(convert(&json!("2024-05-01T12:00:00+02:00"), Conversion::Date), Ok(json!("2024-05-01T10:00:00Z")));
        assert_eq!(convert(&json!(7), Conversion::String), Ok(json!("7")));
        assert!(convert(&json!("4.5"), Conversion::Integer).unwrap_err().contains("not an integer"));
        let strict = Transform { convert: vec![("n".into(), Conversion::Number)], ..Transform::default() };
        let error = strict.apply(record(&[("n", json!("lots"))]), 9).unwrap_err();
        assert!(error.message.contains("line 9, field \"n\": \"lots\" is not a number"), "{}", error.message);
        let lenient = Transform { on_error: Some(OnError::Null), ..strict.clone() };
        assert_eq!(lenient.apply(record(&[("n", json!("lots"))]), 9).unwrap(), Some(record(&[("n", Value::Null)])));
        let skipping = Transform { on_error: Some(OnError::Skip), ..strict };
        assert_eq!(skipping.apply(record(&[("n", json!("lots"))]), 9).unwrap(), None);
    }
}
