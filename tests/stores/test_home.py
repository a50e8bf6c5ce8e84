def test_the_front_page_leads_a_new_seller_to_sign_up(client):
    response = client.get("/")

    assert response.status_code == 200
    assert 'href="/dashboard/login/"' in response.content.decode()
    assert response.templates[0].name == "home.html"
