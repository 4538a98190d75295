use super::*;

#[test]
fn names_identities_as_the_contract_says() {
    let root = actor(
        r#"{"accountId":"1892171716710000","principalId":"1892171716710000","type":"root-account","userName":"root"}"#,
    );
    assert_eq!(root.display_name(), "acs:ram::1892171716710000:root");
    assert_eq!(root.kind.as_str(), Some("root-account"));
    let role = actor(
        r#"{"accessKeyId":"STS.NUQ","accountId":"1594","principalId":"3435:u1","type":"assumed-role","userName":"custom-role:u1"}"#,
    );
    assert_eq!(role.display_name(), "custom-role:u1");
    assert_eq!(role.access_key_id.as_deref(), Some("STS.NUQ"));
    let other_session = Actor {
        access_key_id: Some("STS.OTHER".to_owned()),
        ..role.clone()
    };
    assert!(
        !role.same_as(&other_session),
        "two STS sessions are two actors"
    );
    let keyless = Actor {
        access_key_id: None,
        ..role.clone()
    };
    assert!(role.same_as(&keyless));
    let with_arn = actor(r#"{"arn":"acs:ram::1:user/alice","type":"ram-user","userName":"alice"}"#);
    assert_eq!(with_arn.display_name(), "acs:ram::1:user/alice");
}

#[test]
fn every_spelling_of_every_operation() {
    assert_eq!(
        operation("InitateMultipartUpload"),
        Some(Op::CreateMultipartUpload)
    );
    assert_eq!(operation("UplaodPartCopy"), Some(Op::UploadPartCopy));
    assert_eq!(
        operation("CompleteUploadPart"),
        Some(Op::CompleteMultipartUpload)
    );
    assert_eq!(
        operation("AbortMultiPartUpload"),
        Some(Op::AbortMultipartUpload)
    );
    assert_eq!(operation("PutBucket"), None);
}

#[test]
fn upload_ids_are_found_anywhere_in_a_response() {
    assert_eq!(
        upload_id_in(r#"{"InitiateMultipartUploadResult":{"Bucket":"b","UploadId":"0004B9894A22E5B1888A1E29F8236E2D"}}"#).as_deref(),
        Some("0004B9894A22E5B1888A1E29F8236E2D")
    );
    assert_eq!(upload_id_in(r#"{"uploadId":""}"#), None);
}

#[test]
fn flattened_rows_are_put_back_together() -> Result<(), Box<dyn std::error::Error>> {
    let members = [
        ("event.eventName", "UploadPart"),
        ("event.requestParameters.BucketName", "b"),
        ("event.requestParameters.partNumber", "3"),
        ("event.referencedResources.ACS::OSS::Bucket", r#"["b"]"#),
        ("event.userIdentity.type", "ram-user"),
        ("__topic__", "actiontrail_audit_event"),
    ];
    let json = unflatten(
        members
            .iter()
            .map(|(k, v)| (Cow::Borrowed(*k), Cow::Borrowed(*v))),
    );
    let raw: RawEvent = serde_json::from_str(&json)?;
    assert_eq!(raw.name.get(), Some("UploadPart"));
    let params: RawParams = serde_json::from_str(raw.request.ok_or("no parameters")?.get())?;
    assert_eq!(
        (params.bucket_upper.get(), params.part_number.0),
        (Some("b"), Some(3))
    );
    let resources = raw.resources.0.ok_or("no resources")?;
    assert_eq!(resources.buckets[0].get(), Some("b"));
    Ok(())
}

#[test]
fn lifecycle_parameters_as_xml_text_or_as_an_object() -> Result<(), Box<dyn std::error::Error>> {
    let xml = serde_json::to_string(
        "<LifecycleConfiguration><Rule><ID>r</ID><Prefix>p/</Prefix><Status>Enabled</Status><AbortMultipartUpload><Days>2</Days></AbortMultipartUpload></Rule></LifecycleConfiguration>",
    )?;
    assert_eq!(rules_of(&xml)?[0].abort_days, Some(2));
    let object = r#"{"Rule":{"ID":"r","Prefix":"","Status":"Enabled","AbortMultipartUpload":{"CreatedBeforeDate":"2026-01-01T00:00:00.000Z"}}}"#;
    assert!(rules_of(object)?[0].created_before.is_some());
    assert!(rules_of(r#""<not xml""#).is_err());
    Ok(())
}
